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

    /** The concatenation of {@code parts} (native memory, mappings or Java arrays' memory). */
    static FileEncoded ofParts(MemorySegment... parts) {
        List<MemorySegment> list = List.of(parts);
        long total = 0;
        for (MemorySegment p : list) {
            total = Math.addExact(total, p.byteSize());
        }
        long size = total;
        return of(size, target -> {
            long at = 0;
            for (MemorySegment p : list) {
                MemorySegment.copy(p, 0, target, at, p.byteSize());
                at += p.byteSize();
            }
        }, pending -> {
            long at = 0;
            for (MemorySegment p : list) {
                pending.write(at, p);
                at += p.byteSize();
            }
        });
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
