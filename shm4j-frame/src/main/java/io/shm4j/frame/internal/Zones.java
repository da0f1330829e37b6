package io.shm4j.frame.internal;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;

/**
 * Time zone names as Arrow files carry them (IANA names, as pandas and pyarrow write them) to
 * {@link ZoneId}s. The JDK's time zone data lacks a few valid IANA names that pandas accepts:
 * the fixed-offset legacy zones {@code EST}, {@code MST}, {@code HST} and backward links such as
 * {@code ROC}; they resolve here to what the IANA database defines. Stateless.
 */
public final class Zones {
    /** IANA names the JDK does not know, with their IANA meaning. */
    private static final Map<String, String> IANA_EXTRA = Map.of(
            "EST", "-05:00",
            "MST", "-07:00",
            "HST", "-10:00",
            "ROC", "Asia/Taipei",
            "GMT+0", "Z",
            "GMT-0", "Z");

    private Zones() {}

    /**
     * The zone named {@code id}.
     *
     * @throws DateTimeException if neither the JDK nor the IANA extras know the name
     */
    public static ZoneId of(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            String alias = IANA_EXTRA.get(id);
            if (alias == null) {
                throw e;
            }
            return ZoneId.of(alias);
        }
    }
}
