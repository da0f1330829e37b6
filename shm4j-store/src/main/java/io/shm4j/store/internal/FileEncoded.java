package io.shm4j.store.internal;

import io.shm4j.segment.PendingSegment;
import io.shm4j.store.ObjectCodec;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Consumer;

/**
 * An encoding the store writes into a new object through the kernel
 * ({@link PendingSegment#write}, {@code pwrite} on the object's file) instead of through its
 * mapping: on 4 KiB tmpfs pages a copy through a fresh mapping pays a page fault per page, which
 * costs several times the copy itself (docs/store.md, "kernel writes"). The built-in codecs whose
 * bytes are a few contiguous ranges (blob, bytes, npy, arrow) encode to this; a
 * {@code FileEncoded} writes every byte of the object.
 *
 * <p>Immutable; thread-safe if its sources do not change until written.
 */
interface FileEncoded extends ObjectCodec.Encoded {
    /** Writes the whole encoding into {@code target} (exactly {@link #size()} bytes). */
    void writeThrough(PendingSegment target);

    /**
     * Whether {@link #forEachRange} can hand out any byte range of the encoding (then
     * {@link KeptWrites} writes it chunk by chunk, from two threads).
     */
    default boolean ranged() {
        return false;
    }

    /**
     * Calls {@code sink} with the source slices that make up bytes {@code [offset, offset+length)}
     * of the encoding, each with its offset in the object. Only if {@link #ranged()}.
     */
    default void forEachRange(long offset, long length, RangeSink sink) {
        throw new UnsupportedOperationException("not ranged");
    }

    /** Whether another thread ({@code t}) may read the sources (false for a confined arena's memory). */
    default boolean readableBy(Thread t) {
        return false;
    }

    /** Receives a slice of the source and where it goes in the object. */
    interface RangeSink {
        void accept(long objectOffset, MemorySegment slice);
    }

    /** The concatenation of {@code parts} (native memory, mappings or Java arrays' memory). */
    static FileEncoded ofParts(MemorySegment... parts) {
        List<MemorySegment> list = List.of(parts);
        long total = 0;
        for (MemorySegment p : list) {
            total = Math.addExact(total, p.byteSize());
        }
        long size = total;
        return new FileEncoded() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void writeTo(MemorySegment target) {
                forEachRange(0, size, (at, slice) -> MemorySegment.copy(slice, 0, target, at, slice.byteSize()));
            }

            @Override
            public void writeThrough(PendingSegment target) {
                forEachRange(0, size, target::write);
            }

            @Override
            public boolean ranged() {
                return true;
            }

            @Override
            public boolean readableBy(Thread t) {
                return list.stream().allMatch(p -> p.isAccessibleBy(t));
            }

            @Override
            public void forEachRange(long offset, long length, RangeSink sink) {
                long end = offset + length;
                long at = 0;
                for (MemorySegment p : list) {
                    long from = Math.max(offset, at);
                    long to = Math.min(end, at + p.byteSize());
                    if (from < to) {
                        sink.accept(from, p.asSlice(from - at, to - from));
                    }
                    at += p.byteSize();
                    if (at >= end) {
                        break;
                    }
                }
            }
        };
    }

    /** An encoding from its size, a writer through memory and a writer through the file. */
    static FileEncoded of(long size, Consumer<MemorySegment> viaMemory, Consumer<PendingSegment> viaFile) {
        return new FileEncoded() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void writeTo(MemorySegment target) {
                viaMemory.accept(target);
            }

            @Override
            public void writeThrough(PendingSegment target) {
                viaFile.accept(target);
            }
        };
    }
}
