module microthreads/bench/go

go 1.19
