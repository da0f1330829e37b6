package io.shm4j.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Objects the real store put (codecs {@code blob}, {@code bytes}, {@code npy}, {@code arrow},
 * {@code java}), attached from Python with {@code shm4j.attach(ref.name())}: it dispatches on
 * the codec in {@code user.shm4j.obj}, not on the bytes.
 */
class PythonStoreObjectsTest {
    @Test
    void shouldAttachEveryCodecFromPython() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("py", 4 << 20));
                Arena arena = Arena.ofConfined();
                SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new long[] {3, 1, 4});
                SharedFrame f = SharedFrame.builder(2).addDoubles("x", new double[] {0.5, 1.5}).build()) {
            ObjectRef<MemorySegment> blob = store.put(StoreTesting.offHeap(arena, new byte[] {1, 2, 3}));
            ObjectRef<byte[]> bytes = store.put(new byte[] {9, 8});
            ObjectRef<SharedArray> npy = store.put(a);
            ObjectRef<SharedFrame> arrow = store.put(f);
            ObjectRef<String> java = store.put("a Java string");
            assertThat(java.codec()).isEqualTo("java");
            Processes.python("""
                    import sys, shm4j
                    blob, by, npy, arrow, java = sys.argv[1:]
                    assert shm4j.info(blob).kind == 'object' and shm4j.info(blob).codec == 'blob'
                    assert shm4j.attach(blob).tolist() == [1, 2, 3]
                    assert shm4j.attach(by).tolist() == [9, 8]
                    assert shm4j.attach(npy).tolist() == [3, 1, 4]
                    assert shm4j.attach(arrow).column('x').to_pylist() == [0.5, 1.5]
                    assert shm4j.attach(arrow, as_='pandas')['x'].sum() == 2.0
                    try:
                        shm4j.attach(java)
                        raise SystemExit('a java object attached')
                    except shm4j.UnsupportedTypeError as e:
                        assert 'codec=java' in str(e), e
                    assert len(shm4j.attach(java, as_='bytes')) > 0
                    """, blob.name(), bytes.name(), npy.name(), arrow.name(), java.name()).assertOk();
        }
    }
}
