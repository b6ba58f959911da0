/* Optional C accelerator for turning decoded result rows into tuples of Python values.
 *
 * It holds no conversion rules of its own: timeplus_dbapi.converters builds, for each result
 * column, a (kind, converter, zone) triple from its Python converter. A few kinds have a fast
 * form here, for the one wire shape each is sent in:
 *
 *   KIND_IDENTITY  the decoded value is kept;
 *   KIND_INT       an ASCII str of 1-18 digits with an optional '-' (quoted int64) or an exact
 *                  int, as int() gives it;
 *   KIND_FLOAT     an exact float is kept, as float() keeps it;
 *   KIND_DATETIME  an ASCII str "YYYY-MM-DD HH:MM:SS" (or 'T'), with an optional '.' and 1-9
 *                  fraction digits (truncated to microseconds, as the Python converters do),
 *                  becomes a datetime with the column's tzinfo (None: naive);
 *
 * optionally with KIND_NULLABLE (None stays None). Any other value, and every KIND_CALL column,
 * is converted by calling the column's Python converter: the fast forms only ever skip that call
 * where its result is known, and the tests compare both paths value by value.
 *
 * has_bare_negative_zero(data) is the byte scan of jsoncodec.loads_signed_zero (a "-0" not
 * followed by a digit, '.', 'e' or 'E'), without a regular expression; holds_int_zero(rows,
 * columns) tells whether decoded float columns hold an int 0, which may have been a "-0".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
    KIND_CALL = 0,
    KIND_IDENTITY = 1,
    KIND_INT = 2,
    KIND_FLOAT = 3,
    KIND_DATETIME = 4,
    KIND_NULLABLE = 16,
};

#define MAX_INT_DIGITS 18
#define MAX_FRACTION_DIGITS 9

typedef struct {
    int kind;
    PyObject *convert; /* borrowed: the column's Python converter (None for identity) */
    PyObject *zone;    /* borrowed: the tzinfo of a datetime column, or None */
} ColumnPlan;

/* The ASCII text of an exact str, or NULL (with no error set) when it is not one. */
static const char *
ascii_text(PyObject *value, Py_ssize_t *length)
{
    if (!PyUnicode_CheckExact(value) || !PyUnicode_IS_COMPACT_ASCII(value)) {
        return NULL;
    }
    *length = PyUnicode_GET_LENGTH(value);
    return (const char *)PyUnicode_DATA(value);
}

/* Fast int: returns a new reference, or NULL with no error set when the value is not in the
 * fast shape (the caller then calls the converter). */
static PyObject *
int_fast(PyObject *value)
{
    Py_ssize_t length, i = 0;
    const char *text = ascii_text(value, &length);
    if (text == NULL) {
        if (PyLong_CheckExact(value)) {
            Py_INCREF(value);
            return value;
        }
        return NULL;
    }
    int negative = length > 0 && text[0] == '-';
    i = negative;
    if (length - i < 1 || length - i > MAX_INT_DIGITS) {
        return NULL;
    }
    long long number = 0;
    for (; i < length; i++) {
        unsigned digit = (unsigned char)text[i] - '0';
        if (digit > 9) {
            return NULL;
        }
        number = number * 10 + digit;
    }
    return PyLong_FromLongLong(negative ? -number : number);
}

/* n ASCII digits at text as a number, or -1 when one of them is not a digit. */
static int
digits(const char *text, int n)
{
    int number = 0;
    for (int i = 0; i < n; i++) {
        unsigned digit = (unsigned char)text[i] - '0';
        if (digit > 9) {
            return -1;
        }
        number = number * 10 + (int)digit;
    }
    return number;
}

/* Fast datetime: a new reference, or NULL with no error set when the value is not in the fast
 * shape or is not a valid date and time (the converter then decides). */
static PyObject *
datetime_fast(PyObject *value, PyObject *zone)
{
    Py_ssize_t length;
    const char *t = ascii_text(value, &length);
    if (t == NULL || length < 19 || length == 20 || length > 20 + MAX_FRACTION_DIGITS) {
        return NULL;
    }
    if (t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') || t[13] != ':'
        || t[16] != ':' || (length > 19 && t[19] != '.')) {
        return NULL;
    }
    int year = digits(t, 4), month = digits(t + 5, 2), day = digits(t + 8, 2);
    int hour = digits(t + 11, 2), minute = digits(t + 14, 2), second = digits(t + 17, 2);
    int micro = 0;
    if (length > 19) {
        int n = (int)length - 20;
        int used = n < 6 ? n : 6;
        micro = digits(t + 20, used);
        if (micro < 0 || digits(t + 20 + used, n - used) < 0) {
            return NULL;
        }
        for (int i = used; i < 6; i++) {
            micro *= 10;
        }
    }
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
        return NULL;
    }
    PyObject *result = PyDateTimeAPI->DateTime_FromDateAndTime(
        year, month, day, hour, minute, second, micro, zone, PyDateTimeAPI->DateTimeType);
    if (result == NULL) {
        PyErr_Clear(); /* out of range: the converter gives the real error */
    }
    return result;
}

static PyObject *
convert_value(const ColumnPlan *plan, PyObject *value)
{
    int kind = plan->kind;
    PyObject *result = NULL;
    if ((kind & KIND_NULLABLE) && value == Py_None) {
        Py_INCREF(value);
        return value;
    }
    switch (kind & ~KIND_NULLABLE) {
    case KIND_IDENTITY:
        Py_INCREF(value);
        return value;
    case KIND_INT:
        result = int_fast(value);
        break;
    case KIND_FLOAT:
        if (PyFloat_CheckExact(value)) {
            Py_INCREF(value);
            return value;
        }
        break;
    case KIND_DATETIME:
        result = datetime_fast(value, plan->zone);
        break;
    default:
        break;
    }
    if (result != NULL || PyErr_Occurred()) {
        return result;
    }
    return PyObject_CallOneArg(plan->convert, value);
}

/* Whether a tuple of these items can never be part of a reference cycle (as CPython's own
 * collector decides when it untracks tuples): no item is a container that is or may be tracked. */
static int
holds_no_containers(PyObject *tuple, Py_ssize_t width)
{
    for (Py_ssize_t i = 0; i < width; i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        if (PyObject_IS_GC(item) && (!PyTuple_CheckExact(item) || PyObject_GC_IsTracked(item))) {
            return 0;
        }
    }
    return 1;
}

static PyObject *
convert_row(const ColumnPlan *plans, Py_ssize_t width, PyObject *row)
{
    if (!PyList_CheckExact(row) || PyList_GET_SIZE(row) != width) {
        PyErr_SetString(PyExc_ValueError, "a result row does not have one value per column");
        return NULL;
    }
    PyObject *tuple = PyTuple_New(width);
    if (tuple == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < width; i++) {
        if (PyList_GET_SIZE(row) != width) { /* changed by a converter */
            Py_DECREF(tuple);
            PyErr_SetString(PyExc_ValueError, "a result row changed while it was converted");
            return NULL;
        }
        PyObject *converted = convert_value(&plans[i], PyList_GET_ITEM(row, i));
        if (converted == NULL) {
            Py_DECREF(tuple);
            return NULL;
        }
        PyTuple_SET_ITEM(tuple, i, converted);
    }
    if (holds_no_containers(tuple, width)) {
        PyObject_GC_UnTrack(tuple);
    }
    return tuple;
}

static int
read_plans(PyObject *kinds, PyObject *converters, PyObject *zones, ColumnPlan *plans,
           Py_ssize_t width)
{
    for (Py_ssize_t i = 0; i < width; i++) {
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(kinds, i));
        if (kind == -1 && PyErr_Occurred()) {
            return -1;
        }
        plans[i].kind = (int)kind;
        plans[i].convert = PyTuple_GET_ITEM(converters, i);
        plans[i].zone = PyTuple_GET_ITEM(zones, i);
        if ((kind & ~KIND_NULLABLE) != KIND_IDENTITY && !PyCallable_Check(plans[i].convert)) {
            PyErr_SetString(PyExc_TypeError, "a converted column needs a callable converter");
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(convert_rows_doc,
"convert_rows(rows, kinds, converters, zones) -> list of tuples\n\n"
"Convert decoded rows (lists) column by column; see the module's comment for the kinds.\n"
"Raises ValueError for a row of the wrong width and whatever a converter raises.");

static PyObject *
convert_rows(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 4 || !PyList_CheckExact(args[0]) || !PyTuple_CheckExact(args[1])
        || !PyTuple_CheckExact(args[2]) || !PyTuple_CheckExact(args[3])) {
        PyErr_SetString(PyExc_TypeError, "convert_rows(list, tuple, tuple, tuple)");
        return NULL;
    }
    PyObject *rows = args[0];
    Py_ssize_t width = PyTuple_GET_SIZE(args[1]);
    if (PyTuple_GET_SIZE(args[2]) != width || PyTuple_GET_SIZE(args[3]) != width) {
        PyErr_SetString(PyExc_TypeError, "kinds, converters and zones differ in length");
        return NULL;
    }
    ColumnPlan *plans = PyMem_Malloc(sizeof(ColumnPlan) * (size_t)(width ? width : 1));
    if (plans == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t count = PyList_GET_SIZE(rows);
    PyObject *out = NULL;
    if (read_plans(args[1], args[2], args[3], plans, width) == 0) {
        out = PyList_New(count);
    }
    for (Py_ssize_t i = 0; out != NULL && i < count; i++) {
        if (PyList_GET_SIZE(rows) != count) { /* changed by a converter */
            PyErr_SetString(PyExc_ValueError, "the result rows changed while they were converted");
            Py_CLEAR(out);
            break;
        }
        PyObject *row = PyList_GET_ITEM(rows, i);
        Py_INCREF(row); /* a converter could drop the batch's last reference to it */
        PyObject *tuple = convert_row(plans, width, row);
        Py_DECREF(row);
        if (tuple == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, tuple);
    }
    PyMem_Free(plans);
    return out;
}

PyDoc_STRVAR(has_bare_negative_zero_doc,
"has_bare_negative_zero(data: bytes) -> bool\n\n"
"Whether data holds \"-0\" not followed by a digit, '.', 'e' or 'E'.");

/* Whether a bare "-0" starts at one of the n positions from p; p[n + 1] must be readable.
 * Branch-free: most '-' in results are in dates and text, so stopping at each one (memchr)
 * costs more. With SSE2 (every x86-64), 16 positions per step. */
static int
block_has_bare_negative_zero(const unsigned char *p, size_t n)
{
    size_t i = 0;
    unsigned found = 0;
#if defined(__SSE2__)
    const __m128i dash = _mm_set1_epi8('-'), zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    const __m128i dot = _mm_set1_epi8('.'), lower = _mm_set1_epi8(0x20), e = _mm_set1_epi8('e');
    __m128i any = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        __m128i here = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i after = _mm_loadu_si128((const __m128i *)(p + i + 1));
        __m128i next = _mm_loadu_si128((const __m128i *)(p + i + 2));
        __m128i digit = _mm_sub_epi8(next, zero);
        __m128i numeric = _mm_or_si128(
            _mm_cmpeq_epi8(_mm_min_epu8(digit, nine), digit),
            _mm_or_si128(_mm_cmpeq_epi8(next, dot),
                         _mm_cmpeq_epi8(_mm_or_si128(next, lower), e)));
        __m128i start = _mm_and_si128(_mm_cmpeq_epi8(here, dash), _mm_cmpeq_epi8(after, zero));
        any = _mm_or_si128(any, _mm_andnot_si128(numeric, start));
    }
    found = (unsigned)_mm_movemask_epi8(any);
#endif
    for (; i < n; i++) {
        unsigned char next = p[i + 2];
        unsigned numeric = ((unsigned char)(next - '0') < 10) | (next == '.') | ((next | 0x20) == 'e');
        found |= (unsigned)((p[i] == '-') & (p[i + 1] == '0') & (numeric ^ 1));
    }
    return found != 0;
}

#define SCAN_BLOCK 4096

static PyObject *
has_bare_negative_zero(PyObject *module, PyObject *data)
{
    (void)module;
    if (!PyBytes_Check(data)) {
        PyErr_SetString(PyExc_TypeError, "has_bare_negative_zero() takes bytes");
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(data);
    size_t size = (size_t)PyBytes_GET_SIZE(data);
    if (size < 2) {
        Py_RETURN_FALSE;
    }
    if (p[size - 2] == '-' && p[size - 1] == '0') { /* at the very end: nothing follows */
        Py_RETURN_TRUE;
    }
    size_t positions = size - 2; /* those with two bytes after them */
    for (size_t start = 0; start < positions; start += SCAN_BLOCK) {
        size_t n = positions - start < SCAN_BLOCK ? positions - start : SCAN_BLOCK;
        if (block_has_bare_negative_zero(p + start, n)) {
            Py_RETURN_TRUE;
        }
    }
    Py_RETURN_FALSE;
}

PyDoc_STRVAR(holds_int_zero_doc,
"holds_int_zero(rows, columns) -> bool\n\n"
"Whether a row (a list) holds an exact int 0 at one of the column indexes; also True for a\n"
"row that is not a list or is too short (the caller then decodes the batch exactly).");

static PyObject *
holds_int_zero(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2 || !PyList_CheckExact(args[0]) || !PyTuple_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "holds_int_zero(list, tuple)");
        return NULL;
    }
    PyObject *rows = args[0], *columns = args[1];
    Py_ssize_t width = PyTuple_GET_SIZE(columns);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(rows); i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        if (!PyList_CheckExact(row)) {
            Py_RETURN_TRUE;
        }
        for (Py_ssize_t c = 0; c < width; c++) {
            Py_ssize_t index = PyLong_AsSsize_t(PyTuple_GET_ITEM(columns, c));
            if (index == -1 && PyErr_Occurred()) {
                return NULL;
            }
            if (index < 0 || index >= PyList_GET_SIZE(row)) {
                Py_RETURN_TRUE;
            }
            PyObject *value = PyList_GET_ITEM(row, index);
            if (PyLong_CheckExact(value)) {
                int overflow = 0;
                long number = PyLong_AsLongAndOverflow(value, &overflow);
                if (number == 0 && !overflow) {
                    Py_RETURN_TRUE;
                }
            }
        }
    }
    Py_RETURN_FALSE;
}

static PyMethodDef speedups_methods[] = {
    {"convert_rows", (PyCFunction)(void (*)(void))convert_rows, METH_FASTCALL, convert_rows_doc},
    {"has_bare_negative_zero", has_bare_negative_zero, METH_O, has_bare_negative_zero_doc},
    {"holds_int_zero", (PyCFunction)(void (*)(void))holds_int_zero, METH_FASTCALL,
     holds_int_zero_doc},
    {NULL, NULL, 0, NULL},
};

static int
speedups_exec(PyObject *module)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return -1;
    }
    if (PyModule_AddIntConstant(module, "KIND_CALL", KIND_CALL) < 0
        || PyModule_AddIntConstant(module, "KIND_IDENTITY", KIND_IDENTITY) < 0
        || PyModule_AddIntConstant(module, "KIND_INT", KIND_INT) < 0
        || PyModule_AddIntConstant(module, "KIND_FLOAT", KIND_FLOAT) < 0
        || PyModule_AddIntConstant(module, "KIND_DATETIME", KIND_DATETIME) < 0
        || PyModule_AddIntConstant(module, "KIND_NULLABLE", KIND_NULLABLE) < 0) {
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot speedups_slots[] = {
    {Py_mod_exec, speedups_exec},
    {0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "timeplus_dbapi._speedups",
    "Optional C accelerator for result rows (see timeplus_dbapi.converters).",
    0,
    speedups_methods,
    speedups_slots,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}
