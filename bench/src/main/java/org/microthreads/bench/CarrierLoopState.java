package org.microthreads.bench;

import org.microthreads.Loop;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One single-carrier loop per trial, taken only by the benchmarks that run on it (the peers
 * never create a carrier thread).
 */
@State(Scope.Benchmark)
public class CarrierLoopState {
    Loop loop;

    @Setup(Level.Trial)
    public void open() {
        loop = Loop.singleCarrier("bench");
    }

    @TearDown(Level.Trial)
    public void close() {
        loop.close();
    }
}
