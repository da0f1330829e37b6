#!/usr/bin/env python3
"""Generates the typed element views of SharedArray (io.shm4j.array.*Elements) from one template.

Run from the repository root: python3 shm4j-array/src/gen/elements.py
The classes differ only in the element type; edit this file, not the generated ones.
"""
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "main/java/io/shm4j/array"

# name, java type, layout, dtypes, numpy names, atomic: none | cas | numeric
TYPES = [
    ("Double", "double", "Kernels.F64", ["FLOAT64"], "float64", "cas"),
    ("Float", "float", "Kernels.F32", ["FLOAT32"], "float32", "cas"),
    ("Long", "long", "Kernels.I64", ["INT64", "UINT64", "DATETIME64_NS", "DATETIME64_US", "DATETIME64_MS", "DATETIME64_S", "DATETIME64_D", "TIMEDELTA64_NS", "TIMEDELTA64_US", "TIMEDELTA64_MS", "TIMEDELTA64_S", "TIMEDELTA64_D"], "int64, uint64 (as its bits), datetime64 or timedelta64 (counts of their unit)", "numeric"),
    ("Int", "int", "Kernels.I32", ["INT32", "UINT32"], "int32 or uint32 (as its bits)", "numeric"),
    ("Short", "short", "Kernels.I16", ["INT16", "UINT16", "FLOAT16"], "int16, uint16 or float16 (as its bits; Float.float16ToFloat widens them)", "none"),
    ("Byte", "byte", "Kernels.I8", ["INT8", "UINT8", "BOOL"], "int8, uint8 (as its bits) or bool (0 or 1)", "none"),
]

ORDERS = [  # suffix, VarHandle get mode, set mode, doc
    ("", None, None, "plain (no ordering; atomic only up to the element size)"),
    ("Opaque", "getOpaque", "setOpaque", "opaque (coherent per element, no ordering with other accesses)"),
    ("Acquire", "getAcquire", None, "acquire (later reads and writes are not reordered before it; pairs with setRelease)"),
    ("Release", None, "setRelease", "release (earlier reads and writes are not reordered after it; pairs with getAcquire)"),
    ("Volatile", "getVolatile", "setVolatile", "volatile (sequentially consistent)"),
]


def gen(name, jt, layout, dtypes, numpy, atomic):
    cls = name + "Elements"
    accessor = {"Double": "doubles", "Float": "floats", "Long": "longs", "Int": "ints", "Short": "shorts",
                "Byte": "bytes"}[name]
    m = []

    def both(doc, ret, meth, params, body_expr, void=False):
        # 1-d form and n-d form
        p1 = ", ".join(["long i"] + params)
        pn = ", ".join(["long[] index"] + params) if params else "long... index"
        args = ", ".join(p.split()[1] for p in params)
        a = (", " + args) if args else ""
        r = "" if void else "return "
        m.append(f"    /** {doc}, of a 1-d array. */\n    public {ret} {meth}({p1}) {{\n        {r}{body_expr.format(off='offset1(i)', a=a)};\n    }}\n")
        m.append(f"    /** {doc}. */\n    public {ret} {meth}({pn}) {{\n        {r}{body_expr.format(off='offset(index)', a=a)};\n    }}\n")

    for suf, g, s, doc in ORDERS:
        if suf in ("", "Opaque", "Acquire", "Volatile"):
            gm = "get" + ("" if suf == "" else suf)
            expr = f"data.get({layout}, {{off}})" if suf == "" else f"({jt}) VH.{g}(data, {{off}})"
            both(f"Reads an element with {doc} semantics", jt, gm, [], expr)
        if suf in ("", "Opaque", "Release", "Volatile"):
            sm = "set" + ("" if suf == "" else suf)
            expr = f"data.set({layout}, {{off}}, value)" if suf == "" else f"VH.{s}(data, {{off}}, value)"
            both(f"Writes an element with {doc} semantics", "void", sm, [f"{jt} value"],
                 "checkWritable();\n        " + expr if True else expr, void=True)
    if atomic in ("cas", "numeric"):
        both("Atomically sets the element to {@code value} if it holds {@code expected} (volatile semantics; floats compare bits); whether it did",
             "boolean", "compareAndSet", [f"{jt} expected", f"{jt} value"],
             "checkWritable();\n        return (boolean) VH.compareAndSet(data, {off}, expected, value)".replace("return ", "", 0))
        both("Atomically sets the element to {@code value} if it holds {@code expected}; the value it held (the witness)",
             jt, "compareAndExchange", [f"{jt} expected", f"{jt} value"],
             f"checkWritable();\n        return ({jt}) VH.compareAndExchange(data, {{off}}, expected, value)")
        both("Atomically sets the element; the previous value", jt, "getAndSet", [f"{jt} value"],
             f"checkWritable();\n        return ({jt}) VH.getAndSet(data, {{off}}, value)")
        if atomic == "numeric":
            both("Atomically adds {@code delta} (wrapping); the previous value", jt, "getAndAdd", [f"{jt} delta"],
                 f"checkWritable();\n        return ({jt}) VH.getAndAdd(data, {{off}}, delta)")
            both("Atomically adds {@code delta} (wrapping); the new value", jt, "addAndGet", [f"{jt} delta"],
                 f"checkWritable();\n        return ({jt}) VH.getAndAdd(data, {{off}}, delta) + delta")
        else:
            both("Atomically adds {@code delta} (a compare-and-set loop: lock-free, not wait-free); the previous value",
                 jt, "getAndAdd", [f"{jt} delta"], "checkWritable();\n        return addLoop({off}, delta)")
            both("Atomically adds {@code delta} (a compare-and-set loop); the new value", jt, "addAndGet",
                 [f"{jt} delta"], f"checkWritable();\n        return addLoop({{off}}, delta) + delta")
    # fix body strings: the "return" placement for the void/boolean generated bodies
    body = "\n".join(m)
    body = body.replace("        return checkWritable();\n        ", "        checkWritable();\n        ")
    body = body.replace("        return checkWritable();\n        return ", "        checkWritable();\n        return ")
    body = body.replace("        checkWritable();\n        (boolean)", "        checkWritable();\n        return (boolean)")
    loop = ""
    if atomic == "cas":
        loop = f"""
    private {jt} addLoop(long off, {jt} delta) {{
        {jt} old = ({jt}) VH.getVolatile(data, off);
        while (true) {{
            {jt} witness = ({jt}) VH.compareAndExchange(data, off, old, old + delta);
            if ({name}.compare(witness, old) == 0) {{ // compares bits: NaN and -0.0 do not loop forever
                return old;
            }}
            old = witness;
        }}
    }}
"""
    need = " || ".join(f"t == DType.{d}" for d in dtypes)
    atomics_doc = {
        "numeric": "the atomic read-modify-writes ({@code compareAndSet}, {@code compareAndExchange},\n * {@code getAndSet}, {@code getAndAdd}, {@code addAndGet})",
        "cas": "the atomic read-modify-writes ({@code compareAndSet}, {@code compareAndExchange},\n * {@code getAndSet}; {@code getAndAdd} and {@code addAndGet} as a compare-and-set loop on the bits)",
        "none": "no atomic read-modify-writes: memory-segment VarHandles offer them for 32- and 64-bit\n * elements only (use an int32 or int64 array for counters and flags)",
    }[atomic]
    vh = "" if False else f"    private static final VarHandle VH = {layout}.varHandle();\n"
    return f"""// Generated by shm4j-array/src/gen/elements.py from one template: edit the generator, not this file.
package io.shm4j.array;

import io.shm4j.OutOfBoundsException;
import io.shm4j.Settings;
import io.shm4j.array.internal.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The elements of a {numpy} array, as {jt} ({{@link SharedArray#{accessor}()}}): a typed view
 * that shares the array's memory and owns nothing.
 *
 * <p>Every access comes in the VarHandle memory-ordering set, the same for every element type
 * (agrona's {{@code AtomicBuffer}} is the model): {{@code get}}/{{@code set}} (plain),
 * {{@code getOpaque}}/{{@code setOpaque}}, {{@code getAcquire}}/{{@code setRelease}} and
 * {{@code getVolatile}}/{{@code setVolatile}}, each for a 1-d index ({{@code long i}}) and an n-d
 * one ({{@code long[]}}); and {atomics_doc}.
 * <b>Pairing rule:</b> a writer that stores data with plain sets and then a flag with
 * {{@code setRelease}} makes the data visible to any reader — any thread, any process attaching
 * the same mutable segment — that sees the flag with {{@code getAcquire}}.
 *
 * <p>Indices are checked against the shape ({{@link OutOfBoundsException}}) unless bounds checks
 * are off ({{@link Settings#boundsChecks()}}). Writes need a writable array
 * ({{@link ReadOnlyArrayException}}). After the array is closed, access throws
 * {{@link IllegalStateException}} — never a crash.
 *
 * <p><b>Threading:</b> as the array: any number of threads; concurrent writers of one element
 * need the atomic operations. <b>Ownership:</b> none; valid while the array is open.
 */
public final class {cls} {{
    private static final boolean CHECKS = Settings.boundsChecks();
{vh}
    private final SharedArray array;
    private final MemorySegment data;
    private final long offset;
    private final long length0;
    private final long stride0;
    private final boolean oneD;
    private final boolean writable;

    {cls}(SharedArray array) {{
        DType t = array.dtype();
        if (!({need})) {{
            throw array.mismatch("{accessor}()");
        }}
        this.array = array;
        this.data = array.data;
        this.offset = array.firstOffset();
        this.oneD = array.ndim() == 1;
        this.length0 = oneD ? array.shape()[0] : 0;
        this.stride0 = oneD ? array.strides()[0] : 0;
        this.writable = array.isWritable();
    }}

    /** The array these elements belong to. */
    public SharedArray array() {{
        return array;
    }}

    private long offset1(long i) {{
        if (!oneD) {{
            throw array.indexCountError(1);
        }}
        if (CHECKS && (i < 0 || i >= length0)) {{
            throw array.indexError(0, i);
        }}
        return offset + i * stride0;
    }}

    private long offset(long[] index) {{
        return array.byteOffset(index);
    }}

    private void checkWritable() {{
        if (!writable) {{
            throw array.readOnlyError();
        }}
    }}
{loop}
{body}}}
"""


for t in TYPES:
    (OUT / (t[0] + "Elements.java")).write_text(gen(*t))
