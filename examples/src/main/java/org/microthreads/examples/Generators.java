package org.microthreads.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.microthreads.Generator;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * Generators: a body emits items, and the consumer takes them with a for-each, an iterator or a
 * stream. The body may simply call a method that takes its emitter (here a recursive tree walk),
 * include another generator with {@code emitAll}, and it runs only as far as the consumer asks.
 */
public final class Generators {
    private Generators() {}

    /** A node of a small binary tree; {@code left} and {@code right} may be null. */
    record Node(String label, Node left, Node right) {}

    /** dog, with bee (ant, cat) on its left and fox (eel, gnu) on its right: sorted, in order. */
    static final Node TREE = new Node("dog",
            new Node("bee", leaf("ant"), leaf("cat")),
            new Node("fox", leaf("eel"), leaf("gnu")));

    static Node leaf(String label) {
        return new Node(label, null, null);
    }

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Generators: a body emits items, the consumer iterates them ==");
        implementation(out);
        out.println("  in-order walk of a tree, by a method that calls itself: " + inOrder(TREE));
        out.println("  emitAll of a title generator, then the walk: " + page(TREE));
        lazy(out);
        out.println("  a generator feeding a pipe, three workers, and a generator reading their results: "
                + pipeline(TREE));
    }

    /** Which of the two implementations runs the bodies: it depends on a JVM flag. */
    static void implementation(PrintStream out) {
        if (Generator.defaultImplementation() == Generator.Implementation.CONTINUATION) {
            out.println("  implementation: CONTINUATION (each body runs on the consumer's own thread)");
        } else {
            out.println("  implementation: MICRO_THREAD (no --add-exports flag: each body runs in a micro-thread of its own,"
                    + " taking turns with the consumer; the same behaviour, only slower)");
        }
    }

    // In-order: the left subtree, then the node, then the right subtree.
    static void walk(Node node, Generator.Emitter<String> emitter) {
        if (node == null) return;
        walk(node.left(), emitter); // a plain call: the subtree's items go straight to the consumer
        emitter.emit(node.label());
        walk(node.right(), emitter);
    }

    static List<String> inOrder(Node tree) {
        List<String> labels = new ArrayList<>();
        try (Generator<String> walking = Generator.of(emitter -> walk(tree, emitter))) {
            for (String label : walking) labels.add(label);
        }
        return labels;
    }

    /** One generator includes another, then calls the walk. */
    static List<String> page(Node tree) {
        Generator<String> title = Generator.of(emitter -> emitter.emit("Animals:"));
        try (Generator<String> page = Generator.of(emitter -> {
            emitter.emitAll(title); // title has not started: its body simply runs here, emitting into page
            walk(tree, emitter);
        })) {
            return page.stream().toList();
        }
    }

    /** A generator that never ends by itself; the consumer takes three items, then closes it. */
    static void lazy(PrintStream out) {
        out.println("  a lazy generator of 1, 2, 3, ... that never ends by itself; the consumer takes 3:");
        try (Generator<Integer> numbers = Generator.of(emitter -> {
            int n = 0;
            try {
                while (true) {
                    n++;
                    out.println("    body: making " + n);
                    emitter.emit(n); // waits here until the consumer asks for the next one
                }
            } finally {
                out.println("    body: close() stopped me in emit(" + n + "); my finally runs");
            }
        })) {
            for (int i = 0; i < 3; i++) out.println("    consumer: took " + numbers.next());
        } // close(): the body stops at the emit it waits in
        out.println("  the body made only the 3 items asked for, and never made 4");
    }
    /**
     * Generators compose with pipes and micro-threads: the walk feeds a pipe that three worker
     * micro-threads drain, and a generator reads their results back from a second pipe.
     */
    static List<String> pipeline(Node tree) throws InterruptedException {
        return Loop.shared().run(() -> {
            Pipe<String> labels = Pipe.produce(Pipe.buffered(4), sink -> {
                try (Generator<String> walking = Generator.of(emitter -> walk(tree, emitter))) {
                    for (String label : walking) sink.put(label);
                }
            });
            Pipe<String> shouted = Pipe.unbounded();
            List<MicroThread<Void>> workers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                workers.add(MicroThread.parallel(() -> {
                    for (String label : labels) shouted.put(label.toUpperCase());
                    return null;
                }));
            }
            MicroThread.startAndForget(() -> {
                for (MicroThread<Void> w : workers) w.join();
                shouted.close(); // every worker is done
            });
            try (Generator<String> results = Generator.of(emitter -> {
                for (String s : shouted) emitter.emit(s);
            })) {
                return results.stream().sorted().toList(); // the workers finish in any order
            }
        });
    }
}
