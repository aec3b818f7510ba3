package service_test

import (
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// TestNewRefusesIncompleteConfig: a Service lacking a required dependency
// is refused when it is built, with an error naming what is missing, not
// answered with a nil dereference at its first request.
func TestNewRefusesIncompleteConfig(t *testing.T) {
	st := struct{ store.Store }{}
	for _, c := range []struct {
		name string
		cfg  service.Config
		want string
	}{
		{"no store", service.Config{}, "service: Config.Store is required"},
		{"negative cache bound", service.Config{Store: st, DownloadCache: service.DownloadCacheConfig{Entries: -1}},
			"service: DownloadCache.Entries is -1; want 0 (off) or more"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := service.New(c.cfg)
			if err == nil || err.Error() != c.want || s != nil {
				t.Fatalf("New = %v, %v; want nil, %q", s, err, c.want)
			}
		})
	}
	if s, err := service.New(service.Config{Store: st}); err != nil || s == nil {
		t.Fatalf("New with a store = %v, %v", s, err)
	}
}
