module github.com/turnaround-sli/turnaround

go 1.26

require (
	github.com/turnaround-sli/turnaround/gateway v0.0.0
	github.com/turnaround-sli/turnaround/proto v0.0.0
	github.com/turnaround-sli/turnaround/services v0.0.0
)

replace (
	github.com/turnaround-sli/turnaround/gateway => ./gateway
	github.com/turnaround-sli/turnaround/proto => ./proto
	github.com/turnaround-sli/turnaround/services => ./services
)
