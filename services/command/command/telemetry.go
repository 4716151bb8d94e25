package command

import (
	"time"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/telemetry"
)

// record records a command that ended with res or err after began on
// the service's metrics (none when Config.Metrics is nil). An unknown
// command name is counted as "unknown", so that requests cannot invent
// label values.
func (s *Service) record(name Name, began time.Time, res Result, err error) {
	if s.cfg.Metrics == nil {
		return
	}
	label := string(name)
	if _, known := constructors[name]; !known && label != ImportName {
		label = "unknown"
	}
	outcome := telemetry.OutcomeOK
	switch {
	case err != nil:
		outcome = string(asError(err).Code)
	case res.Duplicate:
		outcome = telemetry.OutcomeDuplicate
	}
	s.cfg.Metrics.Command(label, outcome, time.Since(began))
}

// appended records events appended to the log.
func (s *Service) appended(envs []event.Envelope) {
	if s.cfg.Metrics == nil {
		return
	}
	n := map[event.Type]int{}
	for _, e := range envs {
		n[e.Type]++
	}
	for typ, k := range n {
		s.cfg.Metrics.EventsAppended(string(typ), k)
	}
}
