package org.microthreads.bench

import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.yield
import kotlin.time.Duration.Companion.minutes

/**
 * The Kotlin peers of the simulation benchmarks: kotlinx-coroutines-test's `runTest`, whose
 * `StandardTestDispatcher` runs every coroutine on one thread in FIFO order with a virtual clock
 * (no seeded schedule: the one feature it lacks next to ours). Returns a value the Java side checks.
 */
object KotlinVirtualTime {

    /** `tasks` coroutines, each with its own phase, each `delay`ing `rounds` times `periodMs`: tasks * rounds timer events. */
    @JvmStatic fun timers(tasks: Int, rounds: Int, periodMs: Long): Long {
        var wakes = 0L
        runTest(timeout = 10.minutes) {
            repeat(tasks) { i ->
                launch {
                    delay(i * 10L)
                    repeat(rounds) {
                        delay(periodMs)
                        wakes++
                    }
                }
            }
        }
        return wakes
    }

    /** `tasks` coroutines each `yield`ing `yields` times. */
    @JvmStatic fun yields(tasks: Int, yields: Int): Long {
        var n = 0L
        runTest(timeout = 10.minutes) {
            repeat(tasks) {
                launch {
                    repeat(yields) {
                        yield()
                        n++
                    }
                }
            }
        }
        return n
    }
}
