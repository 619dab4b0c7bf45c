module github.com/turnaround-sli/turnaround

go 1.26.0

require (
	github.com/turnaround-sli/turnaround/gateway v0.0.0
	github.com/turnaround-sli/turnaround/proto v0.0.0
	github.com/turnaround-sli/turnaround/services v0.0.0
)

require (
	github.com/alicebob/miniredis/v2 v2.40.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/redis/go-redis/v9 v9.23.0 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261019180522-ce908d29299b // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/turnaround-sli/turnaround/gateway => ./gateway
	github.com/turnaround-sli/turnaround/proto => ./proto
	github.com/turnaround-sli/turnaround/services => ./services
)
