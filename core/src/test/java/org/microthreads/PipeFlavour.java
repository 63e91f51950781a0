package org.microthreads;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every pipe flavour, for {@link AllFlavours} tests: what each one promises. */
record PipeFlavour(String name, Supplier<Pipe<Integer>> factory, int capacity, boolean blocksWhenFull,
                   boolean dropsOldest) {

    /** Runs a {@code void test(PipeFlavour f)} once per flavour. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.microthreads.PipeFlavour#all")
    @interface AllFlavours {}

    static Stream<PipeFlavour> all() {
        return Stream.of(
                new PipeFlavour("rendezvous", Pipe::rendezvous, 0, true, false),
                new PipeFlavour("buffered(1)", () -> Pipe.buffered(1), 1, true, false),
                new PipeFlavour("buffered(16)", () -> Pipe.buffered(16), 16, true, false),
                new PipeFlavour("unbounded", Pipe::unbounded, Integer.MAX_VALUE, false, false),
                new PipeFlavour("droppingOldest(4)", () -> Pipe.droppingOldest(4), 4, false, true),
                new PipeFlavour("droppingLatest(4)", () -> Pipe.droppingLatest(4), 4, false, false),
                new PipeFlavour("conflated", Pipe::conflated, 1, false, true));
    }

    Pipe<Integer> make() {
        return factory.get().named(name);
    }

    /** Whether every item put is taken (no dropping policy). */
    boolean lossless() {
        return blocksWhenFull || capacity == Integer.MAX_VALUE;
    }

    /** How many items a put can leave in the pipe with no taker around (bounded for the tests). */
    int room() {
        return Math.min(capacity, 64);
    }

    @Override
    public String toString() {
        return name;
    }
}
