package store_test

import (
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/store"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		wantErr  bool
		addrs    []string
		db       int
		username string
		password string
		master   string
		cluster  bool
		tls      bool
	}{
		{name: "standalone", url: "redis://127.0.0.1:6379", addrs: []string{"127.0.0.1:6379"}},
		{name: "standalone with auth and db", url: "redis://app:s3cret@redis.internal:6380/2",
			addrs: []string{"redis.internal:6380"}, db: 2, username: "app", password: "s3cret"},
		{name: "tls", url: "rediss://redis.internal:6380", addrs: []string{"redis.internal:6380"}, tls: true},
		{name: "sentinel", url: "redis-sentinel://:pw@s1:26379,s2:26379,s3:26379/primary?db=3",
			addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, master: "primary", db: 3, password: "pw"},
		{name: "sentinel without master", url: "redis-sentinel://s1:26379", wantErr: true},
		{name: "sentinel bad db", url: "redis-sentinel://s1:26379/primary?db=two", wantErr: true},
		{name: "cluster", url: "redis-cluster://n1:7000,n2:7001,n3:7002",
			addrs: []string{"n1:7000", "n2:7001", "n3:7002"}, cluster: true},
		{name: "cluster password only", url: "redis-cluster://s3cret@n1:7000",
			addrs: []string{"n1:7000"}, cluster: true, password: "s3cret"},
		{name: "cluster user and password", url: "redis-cluster://app:s3cret@n1:7000",
			addrs: []string{"n1:7000"}, cluster: true, username: "app", password: "s3cret"},
		{name: "bad scheme", url: "http://127.0.0.1:6379", wantErr: true},
		{name: "no scheme", url: "127.0.0.1:6379", wantErr: true},
		{name: "unparseable", url: "redis://[::1", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := store.ParseURL(tc.url)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseURL(%q) = %+v, want an error", tc.url, o)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tc.url, err)
			}
			if !slices.Equal(o.Addrs, tc.addrs) {
				t.Errorf("Addrs = %q, want %q", o.Addrs, tc.addrs)
			}
			if o.DB != tc.db {
				t.Errorf("DB = %d, want %d", o.DB, tc.db)
			}
			if o.Username != tc.username || o.Password != tc.password {
				t.Errorf("credentials = %q/%q, want %q/%q", o.Username, o.Password, tc.username, tc.password)
			}
			if o.MasterName != tc.master {
				t.Errorf("MasterName = %q, want %q", o.MasterName, tc.master)
			}
			if o.IsClusterMode != tc.cluster {
				t.Errorf("IsClusterMode = %v, want %v", o.IsClusterMode, tc.cluster)
			}
			if (o.TLSConfig != nil) != tc.tls {
				t.Errorf("TLSConfig set = %v, want %v", o.TLSConfig != nil, tc.tls)
			}
		})
	}
}

func TestParseURLPoolSize(t *testing.T) {
	for _, tc := range []struct {
		url     string
		want    int
		wantErr bool
	}{
		{"redis://127.0.0.1:6379/0?pool_size=64", 64, false},
		{"redis-cluster://n1:7000,n2:7001?pool_size=32", 32, false},
		{"redis-sentinel://s1:26379/mymaster?pool_size=16", 16, false},
		{"redis-cluster://n1:7000?pool_size=0", 0, true},
		{"redis-sentinel://s1:26379/mymaster?pool_size=many", 0, true},
		{"redis://127.0.0.1:6379", 0, false},
	} {
		o, err := store.ParseURL(tc.url)
		if (err != nil) != tc.wantErr {
			t.Fatalf("ParseURL(%q) error = %v, want error %v", tc.url, err, tc.wantErr)
		}
		if err == nil && o.PoolSize != tc.want {
			t.Errorf("ParseURL(%q) pool size = %d, want %d", tc.url, o.PoolSize, tc.want)
		}
	}
}
