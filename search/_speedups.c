/* search._speedups: the per-word loops of indexing in C (issue 16).
 *
 * Loops that ran once per word, character or shingle of every article, in
 * Python: jieba's cut to a document's postings (search.analysis._index_terms),
 * a word field's postings to the segment writer's columns with each word's
 * positions encoded as Whoosh's Positions format encodes them
 * (search.schema.WordField.index_columns, then
 * search.engine.segment_writer.GroupedPostings.add_columns), the script tables'
 * translation (search.normalize.translate), the MinHash of a story signature
 * (search.stories.minhash_values), topic keyword counting
 * (search.extract.topics.keyword_counts), the gazetteer name scan
 * (search.extract.region._find_names) and the chars field's keys
 * (search.analysis.character_gram_keys). The Python code stays beside each
 * call, as the reference and the fallback: search/speedups.py loads this module
 * when it was built from this version of the file (VERSION, at the end) and
 * XUNWEN_PURE_PYTHON is not set; tests/test_speedups.py holds every result equal
 * to the Python one, byte for byte.
 *
 * Nothing here holds state but a cache of one-position encodings (as
 * search.schema._ONE_POSITION: most words of an article occur once, and the
 * postings of a segment then share one bytes object per position).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Whether a token carries meaning: `word.isalnum() or _is_word(word)` in
 * search.analysis, which is true exactly when some character is alphanumeric
 * (str.isalnum of one character is Py_UNICODE_ISALNUM). */
static int
is_word(PyObject *text)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < length; i++) {
        if (Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, i))) {
            return 1;
        }
    }
    return 0;
}

/* postings[word] gets position `at` unless its last position is `at` already. */
static int
add_position(PyObject *postings, PyObject *word, Py_ssize_t at)
{
    PyObject *positions = PyDict_GetItemWithError(postings, word); /* borrowed */
    if (positions == NULL) {
        if (PyErr_Occurred()) {
            return -1;
        }
        PyObject *position = PyLong_FromSsize_t(at);
        if (position == NULL) {
            return -1;
        }
        positions = PyList_New(1);
        if (positions == NULL) {
            Py_DECREF(position);
            return -1;
        }
        PyList_SET_ITEM(positions, 0, position);
        int result = PyDict_SetItem(postings, word, positions);
        Py_DECREF(positions);
        return result;
    }
    /* Only this module and search.analysis make these lists: lists of ints, never empty. */
    Py_ssize_t count = PyList_GET_SIZE(positions);
    Py_ssize_t last = PyLong_AsSsize_t(PyList_GET_ITEM(positions, count - 1));
    if (last == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (last == at) {
        return 0;
    }
    PyObject *position = PyLong_FromSsize_t(at);
    if (position == NULL) {
        return -1;
    }
    int result = PyList_Append(positions, position);
    Py_DECREF(position);
    return result;
}

PyDoc_STRVAR(word_postings_doc,
"word_postings(cut, sub_words) -> (postings, words) | None\n\n"
"search.analysis._index_terms after jieba's cut: the words of `cut` that carry\n"
"meaning, one position each, and {word: [positions]} with each word of more than\n"
"two characters followed by `sub_words(word)` at its position. None when\n"
"`sub_words` returns None for a word (the caller takes the general path).");

static PyObject *
word_postings(PyObject *module, PyObject *args)
{
    PyObject *cut, *sub_words;
    if (!PyArg_ParseTuple(args, "O!O:word_postings", &PyList_Type, &cut, &sub_words)) {
        return NULL;
    }
    PyObject *postings = PyDict_New();
    PyObject *words = PyList_New(0);
    if (postings == NULL || words == NULL) {
        goto fail;
    }
    Py_ssize_t at = 0;
    /* The length is read again each time: sub_words is Python code. */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cut); i++) {
        PyObject *word = PyList_GET_ITEM(cut, i);
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "word_postings: the cut must hold str");
            goto fail;
        }
        if (!is_word(word)) {
            continue;
        }
        Py_INCREF(word);
        if (PyList_Append(words, word) < 0 || add_position(postings, word, at) < 0) {
            Py_DECREF(word);
            goto fail;
        }
        if (PyUnicode_GET_LENGTH(word) > 2) {
            PyObject *subs = PyObject_CallOneArg(sub_words, word);
            Py_DECREF(word);
            if (subs == NULL) {
                goto fail;
            }
            if (subs == Py_None) {
                Py_DECREF(subs);
                Py_DECREF(postings);
                Py_DECREF(words);
                Py_RETURN_NONE;
            }
            if (!PyTuple_Check(subs)) {
                Py_DECREF(subs);
                PyErr_SetString(PyExc_TypeError, "word_postings: sub_words must return a tuple or None");
                goto fail;
            }
            for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(subs); j++) {
                PyObject *sub = PyTuple_GET_ITEM(subs, j);
                if (!PyUnicode_Check(sub) || add_position(postings, sub, at) < 0) {
                    if (!PyErr_Occurred()) {
                        PyErr_SetString(PyExc_TypeError, "word_postings: sub-words must be str");
                    }
                    Py_DECREF(subs);
                    goto fail;
                }
            }
            Py_DECREF(subs);
        }
        else {
            Py_DECREF(word);
        }
        at++;
    }
    return Py_BuildValue("(NN)", postings, words);

fail:
    Py_XDECREF(postings);
    Py_XDECREF(words);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Whoosh's Positions.encode: pack_uint(len(deltas)) + pickle.dumps(deltas, 2) */

#define ONE_POSITION_CACHED 65536
static PyObject *one_position[ONE_POSITION_CACHED]; /* bytes, made on first use */

/* What pickle protocol 2 writes for an int that fits in 32 signed bits (save_long). */
static char *
put_int(char *out, long value)
{
    uint32_t bits = (uint32_t)value;
    if (value >= 0 && value < 256) {
        *out++ = 'K'; /* BININT1 */
        *out++ = (char)bits;
    }
    else if (value >= 0 && value < 65536) {
        *out++ = 'M'; /* BININT2 */
        *out++ = (char)(bits & 0xff);
        *out++ = (char)(bits >> 8);
    }
    else {
        *out++ = 'J'; /* BININT, little-endian */
        *out++ = (char)(bits & 0xff);
        *out++ = (char)((bits >> 8) & 0xff);
        *out++ = (char)((bits >> 16) & 0xff);
        *out++ = (char)(bits >> 24);
    }
    return out;
}

#define BATCHSIZE 1000 /* the pickler's batch of list items per APPENDS */

/* A new reference to the encoding of `positions` (a list of ints), or NULL with
 * an exception: OverflowError for a delta outside 32 signed bits, which pickle
 * writes otherwise (never in practice: positions are word numbers). */
static PyObject *
encode(PyObject *positions)
{
    Py_ssize_t count = PyList_GET_SIZE(positions);
    long only = -1; /* the one position of a one-position list */
    if (count == 1) {
        only = PyLong_AsLong(PyList_GET_ITEM(positions, 0));
        if (only == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (only >= 0 && only < ONE_POSITION_CACHED && one_position[only] != NULL) {
            Py_INCREF(one_position[only]);
            return one_position[only];
        }
    }
    /* header 4 + PROTO 2 + EMPTY_LIST/BINPUT 3 + per item 5 + per batch 2 + STOP 1 */
    Py_ssize_t batches = count / BATCHSIZE + 1;
    PyObject *encoded = PyBytes_FromStringAndSize(NULL, 10 + 5 * count + 2 * batches);
    if (encoded == NULL) {
        return NULL;
    }
    char *start = PyBytes_AS_STRING(encoded);
    char *out = start;
    uint32_t size = (uint32_t)count;
    *out++ = (char)(size >> 24); /* pack_uint: big-endian */
    *out++ = (char)((size >> 16) & 0xff);
    *out++ = (char)((size >> 8) & 0xff);
    *out++ = (char)(size & 0xff);
    memcpy(out, "\x80\x02]q\x00", 5); /* PROTO 2, EMPTY_LIST, BINPUT 0 */
    out += 5;
    long base = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        long position = PyLong_AsLong(PyList_GET_ITEM(positions, i));
        if (position == -1 && PyErr_Occurred()) {
            Py_DECREF(encoded);
            return NULL;
        }
        long delta = position - base;
        base = position;
        if (delta > INT32_MAX || delta < INT32_MIN) {
            Py_DECREF(encoded);
            PyErr_SetString(PyExc_OverflowError, "encode_positions: a delta beyond 32 bits");
            return NULL;
        }
        /* A list of one item is item + APPEND; longer ones MARK items APPENDS per batch. */
        if (count > 1 && i % BATCHSIZE == 0) {
            *out++ = '('; /* MARK */
        }
        out = put_int(out, delta);
        if (count > 1 && (i % BATCHSIZE == BATCHSIZE - 1 || i == count - 1)) {
            *out++ = 'e'; /* APPENDS */
        }
    }
    if (count == 1) {
        *out++ = 'a'; /* APPEND */
    }
    *out++ = '.'; /* STOP */
    if (_PyBytes_Resize(&encoded, out - start) < 0) {
        return NULL;
    }
    if (count == 1 && only >= 0 && only < ONE_POSITION_CACHED) {
        Py_INCREF(encoded);
        one_position[only] = encoded;
    }
    return encoded;
}

PyDoc_STRVAR(encode_positions_doc,
"encode_positions(positions) -> bytes\n\n"
"whoosh.formats.Positions().encode(positions), byte for byte, for a list of ints\n"
"whose deltas fit in 32 signed bits (OverflowError otherwise).");

static PyObject *
encode_positions(PyObject *module, PyObject *positions)
{
    if (!PyList_Check(positions)) {
        PyErr_SetString(PyExc_TypeError, "encode_positions: a list of ints");
        return NULL;
    }
    return encode(positions);
}

/* ------------------------------------------------------------------------ */

/* Whether `target` is an array of items of `format` (array('I'): "I", 4 bytes; array('d'): "d"). */
static int
is_array_of(PyObject *target, const char *format, Py_ssize_t itemsize)
{
    Py_buffer view;
    if (!PyObject_HasAttrString(target, "frombytes")
        || PyObject_GetBuffer(target, &view, PyBUF_FORMAT | PyBUF_ND) < 0) {
        PyErr_Clear();
        return 0;
    }
    int fits = view.format != NULL && strcmp(view.format, format) == 0 && view.itemsize == itemsize;
    PyBuffer_Release(&view);
    return fits;
}

/* array.frombytes(buffer) on `target`. */
static int
extend_array(PyObject *target, const void *buffer, Py_ssize_t size)
{
    PyObject *bytes = PyBytes_FromStringAndSize(buffer, size);
    if (bytes == NULL) {
        return -1;
    }
    PyObject *result = PyObject_CallMethod(target, "frombytes", "O", bytes);
    Py_DECREF(bytes);
    if (result == NULL) {
        return -1;
    }
    Py_DECREF(result);
    return 0;
}

PyDoc_STRVAR(add_positions_doc,
"add_positions(term_numbers, term_ids, docs, weights, values, docnum, postings,\n"
"              field_boost, boost) -> field length\n\n"
"WordField.index_columns then GroupedPostings.add_columns for one document's\n"
"{word: [positions]}: each word's number from `term_numbers` (a new word gets\n"
"the next), appended with `docnum` and the weight field_boost * count * boost to\n"
"the arrays term_ids ('I'), docs ('I') and weights ('d'), and its encoded\n"
"positions to the list `values`. Nothing is changed when it fails.");

static PyObject *
add_positions(PyObject *module, PyObject *args)
{
    PyObject *term_numbers, *term_ids, *docs, *weights, *values, *postings;
    unsigned int docnum;
    double field_boost, boost;
    if (!PyArg_ParseTuple(args, "O!OOOO!IO!dd:add_positions", &PyDict_Type, &term_numbers, &term_ids,
                          &docs, &weights, &PyList_Type, &values, &docnum, &PyDict_Type, &postings,
                          &field_boost, &boost)) {
        return NULL;
    }
    if (!is_array_of(term_ids, "I", 4) || !is_array_of(docs, "I", 4) || !is_array_of(weights, "d", 8)) {
        PyErr_SetString(PyExc_TypeError, "add_positions: term_ids and docs must be array('I') of 4-byte "
                                         "items, weights array('d')");
        return NULL;
    }
    Py_ssize_t count = PyDict_GET_SIZE(postings);
    uint32_t *numbers = PyMem_Malloc(sizeof(uint32_t) * (count + 1));
    uint32_t *doc_column = PyMem_Malloc(sizeof(uint32_t) * (count + 1));
    double *weight_column = PyMem_Malloc(sizeof(double) * (count + 1));
    PyObject *encoded = PyList_New(count);
    PyObject *new_terms = PyList_New(0); /* terms numbered here, unnumbered if this fails */
    long long length = 0;
    if (numbers == NULL || doc_column == NULL || weight_column == NULL || encoded == NULL
        || new_terms == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    /* Every value first: a failure then leaves the arrays as they were. */
    Py_ssize_t position = 0, i = 0;
    PyObject *term, *positions;
    while (PyDict_Next(postings, &position, &term, &positions)) {
        if (!PyUnicode_Check(term) || !PyList_Check(positions)) {
            PyErr_SetString(PyExc_TypeError, "add_positions: postings must be {str: [int]}");
            goto fail;
        }
        PyObject *value = encode(positions);
        if (value == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(encoded, i, value);
        Py_ssize_t occurrences = PyList_GET_SIZE(positions);
        length += occurrences;
        /* In Whoosh's order of operations: (field_boost * count) * boost. */
        weight_column[i] = field_boost * (double)occurrences * boost;
        doc_column[i] = docnum;
        i++;
    }
    position = 0;
    i = 0;
    while (PyDict_Next(postings, &position, &term, &positions)) {
        PyObject *number = PyDict_GetItemWithError(term_numbers, term); /* borrowed */
        unsigned long value;
        if (number == NULL) {
            if (PyErr_Occurred()) {
                goto fail;
            }
            value = (unsigned long)PyDict_GET_SIZE(term_numbers); /* a new term: the next number */
            number = PyLong_FromUnsignedLong(value);
            if (number == NULL) {
                goto fail;
            }
            int failed = PyDict_SetItem(term_numbers, term, number) < 0 || PyList_Append(new_terms, term) < 0;
            Py_DECREF(number);
            if (failed) {
                goto fail;
            }
        }
        else {
            value = PyLong_AsUnsignedLong(number);
            if (value == (unsigned long)-1 && PyErr_Occurred()) {
                goto fail;
            }
        }
        numbers[i++] = (uint32_t)value;
    }
    Py_ssize_t before = PyList_GET_SIZE(values);
    if (extend_array(term_ids, numbers, sizeof(uint32_t) * count) < 0) {
        goto fail;
    }
    if (extend_array(docs, doc_column, sizeof(uint32_t) * count) < 0
        || extend_array(weights, weight_column, sizeof(double) * count) < 0
        || PyList_SetSlice(values, before, before, encoded) < 0) {
        /* The arrays were checked: past the first one nothing fails but for memory (the run stops then). */
        goto fail;
    }
    PyMem_Free(numbers);
    PyMem_Free(doc_column);
    PyMem_Free(weight_column);
    Py_DECREF(encoded);
    Py_DECREF(new_terms);
    return PyLong_FromLongLong(length);

fail:
    if (new_terms != NULL) {
        PyObject *type, *error, *traceback;
        PyErr_Fetch(&type, &error, &traceback);
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(new_terms); j++) {
            if (PyDict_DelItem(term_numbers, PyList_GET_ITEM(new_terms, j)) < 0) {
                PyErr_Clear();
            }
        }
        PyErr_Restore(type, error, traceback);
    }
    PyMem_Free(numbers);
    PyMem_Free(doc_column);
    PyMem_Free(weight_column);
    Py_XDECREF(encoded);
    Py_XDECREF(new_terms);
    return NULL;
}

/* ------------------------------------------------------------------------ */

PyDoc_STRVAR(translate_doc,
"translate(text, lookup) -> str\n\n"
"search.normalize.translate: each character c of `text` below len(lookup) becomes\n"
"lookup[c] (a buffer of uint32 code points; 0xFFFFFFFF drops it), any other stays.\n"
"A text the lookup leaves as it is comes back as the same object.");

static PyObject *
translate(PyObject *module, PyObject *args)
{
    PyObject *text;
    Py_buffer lookup;
    if (!PyArg_ParseTuple(args, "Uy*:translate", &text, &lookup)) {
        return NULL;
    }
    const uint32_t *table = lookup.buf;
    Py_ssize_t size = lookup.len / (Py_ssize_t)sizeof(uint32_t);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (length > 0 ? length : 1));
    if (out == NULL) {
        PyBuffer_Release(&lookup);
        return PyErr_NoMemory();
    }
    Py_ssize_t kept = 0;
    int changed = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 point = PyUnicode_READ(kind, data, i);
        if (point < (Py_UCS4)size) {
            uint32_t mapped = table[point];
            if (mapped == 0xFFFFFFFFu) {
                changed = 1;
                continue;
            }
            if (mapped > 0x10FFFF) {
                PyMem_Free(out);
                PyBuffer_Release(&lookup);
                PyErr_SetString(PyExc_ValueError, "translate: the lookup maps beyond the code points");
                return NULL;
            }
            changed |= mapped != point;
            point = mapped;
        }
        out[kept++] = point;
    }
    PyBuffer_Release(&lookup);
    PyObject *result;
    if (changed) {
        result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, kept);
    }
    else {
        Py_INCREF(text);
        result = text;
    }
    PyMem_Free(out);
    return result;
}

/* ------------------------------------------------------------------------ */

PyDoc_STRVAR(minhash_doc,
"minhash(hashes, a, b) -> bytes\n\n"
"search.stories.minhash_values: datasketch's affine32 MinHash of the uint32\n"
"`hashes` (each pre-mixed by MurmurHash3's finalizer), one uint32 per\n"
"permutation (a[i] * h + b[i], wrapping at 2**32), as native-order bytes.");

static inline uint32_t
fmix32(uint32_t value)
{
    value ^= value >> 16;
    value *= 0x85EBCA6Bu;
    value ^= value >> 13;
    value *= 0xC2B2AE35u;
    return value ^ (value >> 16);
}

static PyObject *
minhash(PyObject *module, PyObject *args)
{
    Py_buffer hashes, a, b;
    if (!PyArg_ParseTuple(args, "y*y*y*:minhash", &hashes, &a, &b)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t permutations = a.len / (Py_ssize_t)sizeof(uint32_t);
    if (b.len != a.len || hashes.len % (Py_ssize_t)sizeof(uint32_t) != 0) {
        PyErr_SetString(PyExc_ValueError, "minhash: a and b of one length, buffers of uint32");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, a.len);
    if (result == NULL) {
        goto done;
    }
    uint32_t *values = (uint32_t *)PyBytes_AS_STRING(result);
    const uint32_t *in = hashes.buf, *mul = a.buf, *add = b.buf;
    Py_ssize_t count = hashes.len / (Py_ssize_t)sizeof(uint32_t);
    for (Py_ssize_t i = 0; i < permutations; i++) {
        values[i] = UINT32_MAX;
    }
    /* Permutations inside: one mixed hash against every permutation, which the compiler vectorizes. */
    for (Py_ssize_t j = 0; j < count; j++) {
        uint32_t mixed = fmix32(in[j]);
        for (Py_ssize_t i = 0; i < permutations; i++) {
            uint32_t permuted = mul[i] * mixed + add[i];
            values[i] = permuted < values[i] ? permuted : values[i];
        }
    }
done:
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;
}

/* ------------------------------------------------------------------------ */

PyDoc_STRVAR(keyword_counts_doc,
"keyword_counts(words, beginnings, keywords, max_words) -> {keyword: count}\n\n"
"search.extract.topics.keyword_counts: how often each key of `keywords` occurs\n"
"among `words` or runs of up to `max_words` consecutive words, a run growing only\n"
"while it is in `beginnings` (a set of every beginning of a keyword).");

static int
count_one(PyObject *counts, PyObject *keyword)
{
    PyObject *found = PyDict_GetItemWithError(counts, keyword); /* borrowed */
    if (found == NULL && PyErr_Occurred()) {
        return -1;
    }
    PyObject *count = PyLong_FromSsize_t(found == NULL ? 1 : PyLong_AsSsize_t(found) + 1);
    if (count == NULL) {
        return -1;
    }
    int result = PyDict_SetItem(counts, keyword, count);
    Py_DECREF(count);
    return result;
}

static PyObject *
keyword_counts(PyObject *module, PyObject *args)
{
    PyObject *words, *beginnings, *keywords;
    Py_ssize_t max_words;
    if (!PyArg_ParseTuple(args, "O!OO!n:keyword_counts", &PyList_Type, &words, &beginnings, &PyDict_Type,
                          &keywords, &max_words)) {
        return NULL;
    }
    if (!PyAnySet_Check(beginnings)) {
        PyErr_SetString(PyExc_TypeError, "keyword_counts: beginnings must be a set or frozenset");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(words);
    PyObject *counts = PyDict_New();
    /* The runs that may still grow: where each starts, and its text (a new reference each). */
    Py_ssize_t *starts = PyMem_Malloc(sizeof(Py_ssize_t) * (count + 1));
    PyObject **runs = PyMem_Malloc(sizeof(PyObject *) * (count + 1));
    Py_ssize_t live = 0, kept = 0;
    if (counts == NULL || starts == NULL || runs == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    /* Length by length, as the Python code counts: the counts' keys then come in its order. */
    for (Py_ssize_t length = 1; length <= max_words; length++) {
        kept = 0;
        Py_ssize_t candidates = length == 1 ? count : live;
        for (Py_ssize_t i = 0; i < candidates; i++) {
            Py_ssize_t start;
            PyObject *run;
            if (length == 1) {
                start = i;
                run = PyList_GET_ITEM(words, i);
                Py_INCREF(run);
            }
            else {
                start = starts[i];
                PyObject *shorter = runs[i];
                runs[i] = NULL;
                if (start + length > count) {
                    Py_DECREF(shorter);
                    continue;
                }
                run = PyUnicode_Concat(shorter, PyList_GET_ITEM(words, start + length - 1));
                Py_DECREF(shorter);
                if (run == NULL) {
                    goto fail;
                }
            }
            int is_keyword = PyDict_Contains(keywords, run);
            if (is_keyword < 0 || (is_keyword && count_one(counts, run) < 0)) {
                Py_DECREF(run);
                goto fail;
            }
            /* Only a beginning of some keyword grows (every keyword begins itself). */
            int begins = length < max_words ? PySet_Contains(beginnings, run) : 0;
            if (begins < 0) {
                Py_DECREF(run);
                goto fail;
            }
            if (begins) {
                starts[kept] = start;
                runs[kept++] = run; /* kept <= i: never over a run not yet read */
            }
            else {
                Py_DECREF(run);
            }
        }
        live = kept;
    }
    for (Py_ssize_t i = 0; i < live; i++) {
        Py_DECREF(runs[i]);
    }
    PyMem_Free(starts);
    PyMem_Free(runs);
    return counts;

fail:
    /* Runs kept in this pass below `kept`, read ones NULL, unread ones of the last pass up to `live`. */
    if (runs != NULL) {
        for (Py_ssize_t i = 0; i < (live > kept ? live : kept); i++) {
            Py_XDECREF(runs[i]);
        }
    }
    PyMem_Free(starts);
    PyMem_Free(runs);
    Py_XDECREF(counts);
    return NULL;
}

/* ------------------------------------------------------------------------ */

PyDoc_STRVAR(find_names_doc,
"find_names(text, names, lengths, starts) -> [(name, end)]\n\n"
"search.extract.region._find_names: each name of `names` in `text` with its end,\n"
"leftmost, then longest, never overlapping. `lengths` maps a name's first two\n"
"characters to the lengths of the names beginning so, longest first; `starts` is\n"
"a bool per pair hash ((first * 1031 + second) & (len(starts) - 1)), true where\n"
"some name's first two characters hash.");

static PyObject *
find_names(PyObject *module, PyObject *args)
{
    PyObject *text, *names, *lengths;
    Py_buffer starts;
    if (!PyArg_ParseTuple(args, "UOO!y*:find_names", &text, &names, &PyDict_Type, &lengths, &starts)) {
        return NULL;
    }
    PyObject *found = NULL;
    Py_ssize_t hashes = starts.len;
    if (!PyAnySet_Check(names) || hashes == 0 || (hashes & (hashes - 1)) != 0) {
        PyErr_SetString(PyExc_TypeError, "find_names: names a set, starts a power of two of bools");
        goto done;
    }
    found = PyList_New(0);
    if (found == NULL) {
        goto done;
    }
    const unsigned char *possible = starts.buf;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t stop_before = 0; /* the end of the last name found: names never overlap */
    for (Py_ssize_t position = 0; position + 1 < length; position++) {
        if (position < stop_before) {
            continue;
        }
        uint32_t first = PyUnicode_READ(kind, data, position), second = PyUnicode_READ(kind, data, position + 1);
        if (!possible[(first * 1031u + second) & (uint32_t)(hashes - 1)]) {
            continue;
        }
        PyObject *pair = PyUnicode_Substring(text, position, position + 2);
        if (pair == NULL) {
            goto fail;
        }
        PyObject *sizes = PyDict_GetItemWithError(lengths, pair); /* borrowed */
        Py_DECREF(pair);
        if (sizes == NULL) {
            if (PyErr_Occurred()) {
                goto fail;
            }
            continue;
        }
        if (!PyTuple_Check(sizes)) {
            PyErr_SetString(PyExc_TypeError, "find_names: lengths must map to tuples of ints");
            goto fail;
        }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(sizes); i++) {
            Py_ssize_t size = PyLong_AsSsize_t(PyTuple_GET_ITEM(sizes, i));
            if (size == -1 && PyErr_Occurred()) {
                goto fail;
            }
            /* As text[position:position + size]: cut at the text's end (the end reported is not). */
            Py_ssize_t end = position + size < length ? position + size : length;
            PyObject *candidate = PyUnicode_Substring(text, position, end);
            if (candidate == NULL) {
                goto fail;
            }
            int is_name = PySet_Contains(names, candidate);
            if (is_name < 0) {
                Py_DECREF(candidate);
                goto fail;
            }
            if (is_name) {
                PyObject *item = Py_BuildValue("(Nn)", candidate, position + size);
                if (item == NULL || PyList_Append(found, item) < 0) {
                    Py_XDECREF(item);
                    goto fail;
                }
                Py_DECREF(item);
                stop_before = position + size;
                break;
            }
            Py_DECREF(candidate);
        }
    }
    goto done;

fail:
    Py_CLEAR(found);
done:
    PyBuffer_Release(&starts);
    return found;
}

/* ------------------------------------------------------------------------ */

PyDoc_STRVAR(gram_keys_doc,
"gram_keys(text, classes) -> bytearray\n\n"
"The keys of search.analysis.character_gram_keys before sorting, as native int64:\n"
"(a << 21) | (b + 1) for each two neighbours a, b of a run, a << 21 for each\n"
"alphanumeric character; `classes` holds a byte per code point (0 outside a run,\n"
"1 in a run, 2 alphanumeric).");

static PyObject *
gram_keys(PyObject *module, PyObject *args)
{
    PyObject *text;
    Py_buffer classes;
    if (!PyArg_ParseTuple(args, "Uy*:gram_keys", &text, &classes)) {
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *keys = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)sizeof(int64_t) * 2 * length);
    if (keys == NULL) {
        PyBuffer_Release(&classes);
        return NULL;
    }
    int64_t *out = (int64_t *)PyByteArray_AS_STRING(keys);
    const unsigned char *class_of = classes.buf;
    Py_ssize_t known = classes.len, count = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int previous_in_run = 0;
    int64_t previous = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 point = PyUnicode_READ(kind, data, i);
        unsigned char class = (Py_ssize_t)point < known ? class_of[point] : 0;
        if (class > 0 && previous_in_run) {
            out[count++] = (previous << 21) | ((int64_t)point + 1);
        }
        if (class == 2) {
            out[count++] = (int64_t)point << 21;
        }
        previous_in_run = class > 0;
        previous = point;
    }
    PyBuffer_Release(&classes);
    if (PyByteArray_Resize(keys, (Py_ssize_t)sizeof(int64_t) * count) < 0) {
        Py_DECREF(keys);
        return NULL;
    }
    return keys;
}

static PyMethodDef methods[] = {
    {"gram_keys", gram_keys, METH_VARARGS, gram_keys_doc},
    {"find_names", find_names, METH_VARARGS, find_names_doc},
    {"keyword_counts", keyword_counts, METH_VARARGS, keyword_counts_doc},
    {"minhash", minhash, METH_VARARGS, minhash_doc},
    {"translate", translate, METH_VARARGS, translate_doc},
    {"word_postings", word_postings, METH_VARARGS, word_postings_doc},
    {"encode_positions", encode_positions, METH_O, encode_positions_doc},
    {"add_positions", add_positions, METH_VARARGS, add_positions_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "search._speedups",
    "The per-word loops of indexing in C; see search/speedups.py.",
    -1,
    methods,
};

/* Raised with any change of what a function does, with search/speedups.py's VERSION. */
#define VERSION 3

PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyObject *created = PyModule_Create(&module);
    if (created != NULL && PyModule_AddIntConstant(created, "VERSION", VERSION) < 0) {
        Py_DECREF(created);
        return NULL;
    }
    return created;
}
