"""Packaging: everything is in setup.cfg, except the optional C accelerator.

``timeplus_dbapi._speedups`` converts result rows faster (see timeplus_dbapi/_speedups.c). It is
optional: without a C compiler or Python headers the build goes on without it and the driver uses
its pure-Python converters, which give the same values.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "timeplus_dbapi._speedups",
            sources=["timeplus_dbapi/_speedups.c"],
            optional=True,
        )
    ]
)
