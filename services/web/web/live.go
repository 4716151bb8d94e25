package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/event"
)

// heartbeat keeps a quiet event stream open through proxies.
const heartbeat = 25 * time.Second

// live streams a map's changes as Server-Sent Events: "map" on each event
// of the map (data: the event's name), "gap" on each gap opened or closed
// (data: rule and state). The page then reads itself again. Nothing but
// ids and names of event types crosses: the subjects hold no personal data.
func (s *Server) live(q *req) {
	id := q.r.PathValue("mapId")
	if !event.IsUUID(id) {
		http.Error(q.w, "no such map", http.StatusNotFound)
		return
	}
	flusher, ok := q.w.(http.Flusher)
	if !ok {
		http.Error(q.w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	// The subjects carry no personal data, but who follows a map's
	// activity is still for the graph service to decide: the map's
	// history is asked (and audited) first.
	var hist historyAnswer
	if err := s.client.query(q.r.Context(), "history", map[string]string{"mapId": id}, &hist); err != nil {
		var se *serviceError
		status := http.StatusServiceUnavailable
		if errors.As(err, &se) {
			status = se.Status
		}
		s.queryFailure("history", err)
		http.Error(q.w, http.StatusText(status), status)
		return
	}
	msgs := make(chan *nats.Msg, 64)
	stop, err := s.client.subscribe([]string{"samspill.map." + id + ".>", "samspill.gap.*." + id + ".>"}, msgs)
	if err != nil {
		s.log.Error("live subscribe", "map", id, "err", err)
		http.Error(q.w, "live updates unavailable", http.StatusServiceUnavailable)
		return
	}
	defer stop()
	h := q.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	q.w.WriteHeader(http.StatusOK)
	fmt.Fprint(q.w, "retry: 3000\n: connected\n\n")
	flusher.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-q.r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		case <-tick.C:
			// The stream ends with its session (sign-out, expiry); it
			// does not keep the session alive by itself.
			if _, err := s.sessions.Peek(q.sess.ID); err != nil {
				return
			}
			fmt.Fprint(q.w, ": ping\n\n")
		case m := <-msgs:
			name, data := liveEvent(m.Subject)
			if name == "" {
				continue
			}
			b, _ := json.Marshal(data)
			fmt.Fprintf(q.w, "event: %s\ndata: %s\n\n", name, b)
		}
		flusher.Flush()
	}
}

// liveEvent names the event of a subject: samspill.map.<id>.<event> or
// samspill.gap.<municipality>.<id>.<rule>.<gapId>.<opened|closed>.
func liveEvent(subject string) (string, map[string]string) {
	t := strings.Split(subject, ".")
	switch {
	case len(t) == 4 && t[1] == "map":
		return "map", map[string]string{"event": t[3]}
	case len(t) == 7 && t[1] == "gap":
		return "gap", map[string]string{"rule": t[4], "gapId": t[5], "state": t[6]}
	}
	return "", nil
}
