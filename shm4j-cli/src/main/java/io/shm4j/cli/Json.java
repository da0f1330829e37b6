package io.shm4j.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** The CLI's {@code --json} output: compact, nulls kept, keys in insertion order. */
final class Json {
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping()
            .serializeSpecialFloatingPointValues().create();

    private Json() {}

    static String write(Object value) {
        return GSON.toJson(value);
    }
}
