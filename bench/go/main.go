// The Go twins of the JMH benchmarks, run beside them by bench/run: same scenario names, same
// sizes, figures in the same units (ms per skynet or per 1M spawns, ns per switch, bytes per
// parked goroutine; for the pipes: ns per round trip, per item, per select, per hop). Run with
// GOMAXPROCS=2 and GOMAXPROCS=1.
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

	pingPongRoundTrips = 100_000   // PingPongBenchmark.ROUND_TRIPS
	bufferedItems      = 1_000_000 // BufferedBenchmark.ITEMS
	bufferedCapacity   = 1024      // BufferedBenchmark.CAPACITY
	selectItems        = 1_000_000 // SelectBenchmark.ITEMS
	chainLength        = 10_000    // ChainBenchmark.LENGTH
	chainPasses        = 100       // values passed through one chain per sample (JMH: as many as fit in 1 s)
)

// sumBelow is 0 + 1 + ... + (n - 1), the checksum of the pipe scenarios.
func sumBelow(n int) int64 { return int64(n) * int64(n-1) / 2 }

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

// ---- ping-pong: A sends i on ping, B sends it back on pong; ns per round trip ----

func pingPongOnce() float64 {
	start := time.Now()
	ping, pong := make(chan int), make(chan int)
	var sum int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // B
		defer wg.Done()
		for i := 0; i < pingPongRoundTrips; i++ {
			pong <- <-ping
		}
	}()
	go func() { // A
		defer wg.Done()
		for i := 0; i < pingPongRoundTrips; i++ {
			ping <- i
			r := <-pong
			if r != i {
				panic(fmt.Sprintf("ping-pong: sent %d, got back %d", i, r))
			}
			sum += int64(r)
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	if sum != sumBelow(pingPongRoundTrips) {
		panic(fmt.Sprintf("ping-pong sum %d", sum))
	}
	return float64(elapsed.Nanoseconds()) / pingPongRoundTrips
}

// ---- buffered: one producer, one consumer, a channel of capacity 1024; ns per item ----

func bufferedOnce() float64 {
	start := time.Now()
	c := make(chan int, bufferedCapacity)
	var sum int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < bufferedItems; i++ {
			c <- i
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < bufferedItems; i++ {
			sum += int64(<-c)
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	if sum != sumBelow(bufferedItems) {
		panic(fmt.Sprintf("buffered sum %d", sum))
	}
	return float64(elapsed.Nanoseconds()) / bufferedItems
}

// ---- select: two producers on unbuffered channels of their own, one consumer selects; ns per select ----

func selectOnce() float64 {
	start := time.Now()
	a, b := make(chan int), make(chan int)
	var sum int64
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := 0; i < selectItems/2; i++ {
			a <- i
		}
	}()
	go func() {
		defer wg.Done()
		for i := selectItems / 2; i < selectItems; i++ {
			b <- i
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < selectItems; i++ {
			select {
			case v := <-a:
				sum += int64(v)
			case v := <-b:
				sum += int64(v)
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	if sum != sumBelow(selectItems) {
		panic(fmt.Sprintf("select sum %d", sum))
	}
	return float64(elapsed.Nanoseconds()) / selectItems
}

// ---- chain: 10,000 goroutines, goroutine k receives from link k and sends v+1 to link k+1; ns per hop ----

// chainOnce builds the chain (not timed, as JMH's per-iteration set-up), passes one value
// through to start every goroutine, then times chainPasses values passed in at the head and
// received at the tail by the main goroutine, then stops the chain (not timed).
func chainOnce() float64 {
	const stop = -1 << 31
	links := make([]chan int, chainLength+1)
	for k := range links {
		links[k] = make(chan int)
	}
	var wg sync.WaitGroup
	wg.Add(chainLength)
	for k := 0; k < chainLength; k++ {
		go func(in <-chan int, out chan<- int) {
			defer wg.Done()
			for {
				v := <-in
				if v == stop {
					out <- stop
					return
				}
				out <- v + 1
			}
		}(links[k], links[k+1])
	}
	pass := func(v int) {
		links[0] <- v
		if r := <-links[chainLength]; r != v+chainLength {
			panic(fmt.Sprintf("chain: %d came out as %d", v, r))
		}
	}
	pass(0)
	start := time.Now()
	for p := 1; p <= chainPasses; p++ {
		pass(p)
	}
	elapsed := time.Since(start)
	links[0] <- stop
	<-links[chainLength]
	wg.Wait()
	return float64(elapsed.Nanoseconds()) / (chainPasses * chainLength)
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
		{"PingPongBenchmark" + suffix, "ns/round trip", pingPongOnce},
		{"BufferedBenchmark" + suffix, "ns/item", bufferedOnce},
		{"SelectBenchmark" + suffix, "ns/select", selectOnce},
		{"ChainBenchmark" + suffix, "ns/hop", chainOnce},
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
