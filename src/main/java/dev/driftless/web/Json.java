package dev.driftless.web;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.driftless.report.Word;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON of the agent's API: records as objects, {@code Optional} as its value or null, {@code Instant} as
 * an ISO-8601 string ("2025-05-01T10:00:00Z"), a value of a closed set as its word ("drift-found"). Two small serializers instead of the jdk8/jsr310 modules.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule("driftless-api")
                    .addSerializer(new OptionalSerializer())
                    .addSerializer(Instant.class, new InstantSerializer())
                    .addSerializer(Word.class, new WordSerializer()))
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** The shared mapper (thread-safe once configured; do not reconfigure). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The value as compact JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body of every error answer: {@code {"error": "what went wrong and what to do"}}. */
    public static String error(String message) {
        return write(Map.of("error", message));
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final class OptionalSerializer extends StdSerializer<Optional> {
        OptionalSerializer() {
            super(Optional.class);
        }

        @Override
        public void serialize(Optional value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (value.isPresent()) {
                provider.defaultSerializeValue(value.get(), gen);
            } else {
                gen.writeNull();
            }
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, Optional value) {
            return value == null || value.isEmpty();
        }
    }

    /** A value of a closed set as its one spelling ("drift-found", "in-sync"). */
    private static final class WordSerializer extends StdSerializer<Word> {
        WordSerializer() {
            super(Word.class);
        }

        @Override
        public void serialize(Word value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.word());
        }
    }

    private static final class InstantSerializer extends StdSerializer<Instant> {
        InstantSerializer() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.toString());
        }
    }
}
