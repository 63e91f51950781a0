// The Go twins of the JMH benchmarks, run beside them by bench/run: same scenario names, same
// sizes, figures in the same units (ms per skynet or per 1M spawns, ns per switch, bytes per
// parked goroutine). Run with GOMAXPROCS=2 and GOMAXPROCS=1.
//
//	go run . [-quick] [-run REGEX]
//
// Each line of output: "RESULT <tab> <scenario> <tab> <median> <tab> <unit> <tab> <all samples>".
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	skynetSize     = 1_000_000
	skynetExpected = 499_999_500_000
	spawnCount     = 1_000_000
	switchYields   = 100_000
	parkedCount    = 1_000_000
)

// ---- skynet: fan-out 10, depth 6, a goroutine per node, results over channels ----

func skynet(c chan<- int64, num int64, size int64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int64, 10)
	sub := size / 10
	for i := int64(0); i < 10; i++ {
		go skynet(rc, num+i*sub, sub)
	}
	var sum int64
	for i := 0; i < 10; i++ {
		sum += <-rc
	}
	c <- sum
}

func skynetOnce() float64 {
	start := time.Now()
	c := make(chan int64, 1)
	go skynet(c, 0, skynetSize)
	if v := <-c; v != skynetExpected {
		panic(fmt.Sprintf("skynet sum %d != %d", v, skynetExpected))
	}
	return float64(time.Since(start).Nanoseconds()) / 1e6 // ms
}

// ---- spawn: start + finish of 1M empty goroutines, wait for all (WaitGroup) ----

func spawnOnce() float64 {
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(spawnCount)
	for i := 0; i < spawnCount; i++ {
		go wg.Done()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / spawnCount // ns per spawn = ms per 1M
}

// ---- switch: two goroutines, each runtime.Gosched() N times; ns per switch ----

func switchOnce() float64 {
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(2)
	for g := 0; g < 2; g++ {
		go func() {
			for i := 0; i < switchYields; i++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / (2 * switchYields)
}

// ---- parked: 1M goroutines blocked on one channel; bytes each, then time to wake all ----

func heapAndStacks() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

func parkedOnce() (bytesEach float64, wakeMs float64) {
	before := heapAndStacks()
	gate := make(chan struct{})
	var parked, done sync.WaitGroup
	parked.Add(parkedCount)
	done.Add(parkedCount)
	for i := 0; i < parkedCount; i++ {
		go func() {
			parked.Done()
			<-gate
			done.Done()
		}()
	}
	parked.Wait()
	time.Sleep(500 * time.Millisecond)
	after := heapAndStacks()
	start := time.Now()
	close(gate)
	done.Wait()
	return float64(after-before) / parkedCount, float64(time.Since(start).Nanoseconds()) / 1e6
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func main() {
	quick := flag.Bool("quick", false, "fewer repetitions")
	run := flag.String("run", "", "regular expression selecting scenarios by name")
	flag.Parse()
	re := regexp.MustCompile(*run)
	procs := runtime.GOMAXPROCS(0)
	warm, reps := 2, 5
	if *quick {
		warm, reps = 1, 3
	}
	suffix := fmt.Sprintf(".go.procs%d", procs)
	scenarios := []struct {
		name string
		unit string
		f    func() float64
	}{
		{"SpawnBenchmark" + suffix, "ns/op (= ms per 1M)", spawnOnce},
		{"SwitchBenchmark" + suffix, "ns/switch", switchOnce},
		{"SkynetBenchmark" + suffix, "ms/op", skynetOnce},
	}
	for _, s := range scenarios {
		if !re.MatchString(s.name) {
			continue
		}
		for i := 0; i < warm; i++ {
			s.f()
		}
		samples := make([]float64, reps)
		strs := make([]string, reps)
		for i := range samples {
			samples[i] = s.f()
			strs[i] = fmt.Sprintf("%.1f", samples[i])
		}
		fmt.Printf("RESULT\t%s\t%.1f\t%s\t%s\n", s.name, median(samples), s.unit, strings.Join(strs, " "))
	}
	name := "ParkedMemory" + suffix
	if re.MatchString(name) {
		b, w := parkedOnce()
		fmt.Printf("RESULT\t%s\t%.0f\tbytes/parked goroutine\twake %.0f ms\n", name, b, w)
	}
	os.Exit(0)
}
