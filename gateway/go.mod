module github.com/turnaround-sli/turnaround/gateway

go 1.26

require github.com/turnaround-sli/turnaround/proto v0.0.0

replace github.com/turnaround-sli/turnaround/proto => ../proto
