package org.microthreads;

/**
 * What a waiting micro-thread waits for; shown by {@link MicroThread#waitingOn()} and loop dumps.
 */
enum WaitKind {
    JOIN("to join micro-thread "),
    JOIN_ALL("for its parallel micro-threads "),
    AWAIT_STAGE("for a CompletionStage: "),
    AWAIT_FUTURE("for a Future: "),
    DEFERRED("for a Deferred: "),
    SLEEP("sleeping for "),
    RUN("for micro-threads of loop ");

    private final String prefix;

    WaitKind(String prefix) {
        this.prefix = prefix;
    }

    String describe(Object target) {
        return prefix + target;
    }
}
