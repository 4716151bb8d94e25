package picture_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/picture/picture"
)

// A picture drawn once and then answered from the cache counts one
// drawing, one miss and one hit; the projection reports its position.
func TestPictureMetrics(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.openPerson("3203")
	head, err := e.log.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// A second render service with metrics, on its own consumer.
	m := telemetry.NewMetrics()
	ctx := context.Background()
	keys, err := seal.OpenKeyring(ctx, e.js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	pics, err := picture.New(ctx, e.js, e.log, picture.Config{Engine: engine(t), Keys: keys, Durable: "samspill-picture-metrics",
		Clock: func() time.Time { return now }, Location: time.UTC, Metrics: m, Verifier: signer(t).Verifier(), Audit: audit.NewWriter(e.js, "picture", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := pics.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer pics.Stop()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := pics.WaitFor(wctx, head); err != nil {
		t.Fatal(err)
	}
	e.http = pics.Handler()
	e.picture(mapPath(p.mapID, "svg"), picture.CacheMiss)
	e.picture(mapPath(p.mapID, "svg"), picture.CacheHit)

	want := `
# HELP samspill_picture_cache_requests_total Picture requests by kind and cache result (hit: from SAMSPILL_PICTURES or a drawing just finished; miss: drawn).
# TYPE samspill_picture_cache_requests_total counter
samspill_picture_cache_requests_total{kind="person",result="hit"} 1
samspill_picture_cache_requests_total{kind="person",result="miss"} 1
# HELP samspill_pictures_rendered_total Pictures drawn (not answered from the cache), by kind (person: a citizen's map, changes, area) and format.
# TYPE samspill_pictures_rendered_total counter
samspill_pictures_rendered_total{format="svg",kind="person"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"samspill_picture_cache_requests_total", "samspill_pictures_rendered_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.Registry(), "samspill_picture_render_duration_seconds"); n != 1 {
		t.Fatalf("%d render duration series, want 1", n)
	}
	if n := testutil.CollectAndCount(m.Registry(), "samspill_projection_position"); n != 1 {
		t.Fatalf("%d projection position series, want 1", n)
	}
}
