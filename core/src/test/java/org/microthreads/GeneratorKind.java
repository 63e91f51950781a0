package org.microthreads;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of generator, for {@link AllKinds} tests: an implementation and a run-ahead capacity (0: lazy). */
record GeneratorKind(String name, Generator.Implementation implementation, int capacity) {

    /** Runs a {@code void test(GeneratorKind k)} once per kind. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.microthreads.GeneratorKind#all")
    @interface AllKinds {}

    /** The run-ahead capacity of the buffered kinds. */
    static final int BUFFER = 4;

    static Stream<GeneratorKind> all() {
        return Stream.of(
                new GeneratorKind("continuation, lazy", Generator.Implementation.CONTINUATION, 0),
                new GeneratorKind("continuation, buffered(" + BUFFER + ")", Generator.Implementation.CONTINUATION, BUFFER),
                new GeneratorKind("micro-thread, lazy", Generator.Implementation.MICRO_THREAD, 0),
                new GeneratorKind("micro-thread, buffered(" + BUFFER + ")", Generator.Implementation.MICRO_THREAD, BUFFER));
    }

    /** A generator of this kind. */
    <T> Generator<T> of(Generator.Body<T> body) {
        return Generator.of(implementation, capacity, body);
    }

    boolean lazy() {
        return capacity == 0;
    }

    boolean continuation() {
        return implementation == Generator.Implementation.CONTINUATION;
    }

    @Override
    public String toString() {
        return name;
    }
}
