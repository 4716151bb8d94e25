package stores_test

import (
	"context"
	"testing"

	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stores"
)

func TestOpenIsRepeatable(t *testing.T) {
	srv := jsservertest.Start(t)
	master, _ := seal.NewMasterKey()
	ctx := context.Background()
	for range 2 { // a second service on the same server binds the same stores
		s, err := stores.Open(ctx, srv.Conn(), stores.Config{MasterKey: master})
		if err != nil {
			t.Fatal(err)
		}
		if s.Log.Stream() != "SAMSPILL_EVENTS" {
			t.Fatalf("log stream %q", s.Log.Stream())
		}
	}
	if _, err := stores.Open(ctx, srv.Conn(), stores.Config{MasterKey: []byte("short")}); err == nil {
		t.Fatal("a master key of the wrong size was accepted")
	}
}
