package example.consumer;

import java.util.ArrayList;
import java.util.List;
import org.microthreads.Generator;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/** Uses a single-carrier loop (needs --add-opens) and a generator on a continuation (needs --add-exports). */
public final class Main {
    public static void main(String[] args) throws Exception {
        List<String> turns = new ArrayList<>();
        try (Loop loop = Loop.singleCarrier("consumer")) {
            loop.run(() -> {
                for (String name : List.of("a", "b")) {
                    MicroThread.startAndForget(name, () -> {
                        for (int i = 1; i <= 2; i++) {
                            turns.add(name + i);
                            MicroThread.yieldNow();
                        }
                    });
                }
                return null;
            });
        }
        System.out.println("loop: " + turns);

        List<Integer> squares = new ArrayList<>();
        try (Generator<Integer> squaring = Generator.of(Generator.Implementation.CONTINUATION, 0, out -> {
            for (int i = 1; i <= 4; i++) out.emit(i * i);
        })) {
            for (int square : squaring) squares.add(square);
        }
        System.out.println("generator: " + squares);
        System.out.println("module: " + (Main.class.getModule().isNamed() ? Main.class.getModule().getName() : "unnamed"));
    }
}
