package gap

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
)

// Names that are part of the public contract (docs/events.md).
const (
	// Stream holds every transition of every gap.
	Stream = "SAMSPILL_GAPS"
	// SubjectPrefix starts every gap subject.
	SubjectPrefix = "samspill.gap"
	// Durable is the default name of the service's durable consumer on
	// SAMSPILL_EVENTS. Two instances running at once need two names.
	Durable = "samspill-gap"
	// Source is the CloudEvents source of gap events.
	Source = "/samspill/gap"
	// SystemToken stands for the map id in the subjects of system-wide gaps.
	SystemToken = "system"
	// NoMunicipality stands for the municipality of a map that has none.
	NoMunicipality = "_"
)

// Transition names, the last token of a gap subject.
const (
	Opened = "opened"
	Closed = "closed"
)

// TransitionNamespace is the namespace of the name-based UUIDs of gap
// transitions: the commandid of the n-th transition of gap g is
// UUIDv5(TransitionNamespace, "g:n"), and its event id is derived from that
// as for the first event of a command (eventlog.EventID). It is
// UUIDv5(NameSpaceURL, "https://schemas.samspill.no/gap/v1").
const TransitionNamespace = "678d516f-9bf1-5099-a51c-120d03977ca9"

// StreamConfig returns the configuration of SAMSPILL_GAPS: file storage,
// limits retention with no limits (the transitions are a record, and the
// service rebuilds its state from them), deletes and purges denied, a
// 24-hour duplicate window for Nats-Msg-Id, direct gets for reading one
// gap's last transition.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas == 0 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:              Stream,
		Description:       "Samspill coordination gaps: every opening and closing (ids, sectors, rule texts; no personal data)",
		Subjects:          []string{SubjectPrefix + ".*.*.*.*.*"},
		Retention:         jetstream.LimitsPolicy,
		Storage:           jetstream.FileStorage,
		Replicas:          replicas,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgSize:        256 << 10,
		MaxMsgsPerSubject: -1,
		Discard:           jetstream.DiscardNew,
		Duplicates:        24 * time.Hour,
		DenyDelete:        true,
		DenyPurge:         true,
		AllowDirect:       true,
	}
}

// Subject returns the subject of a transition:
// samspill.gap.<municipality|_>.<mapId|system>.<rule>.<gapId>.<opened|closed>.
func Subject(municipality, mapID, rule, gapID, transition string) string {
	if municipality == "" {
		municipality = NoMunicipality
	}
	if mapID == "" {
		mapID = SystemToken
	}
	return strings.Join([]string{SubjectPrefix, municipality, mapID, rule, gapID, transition}, ".")
}

// Filter returns the subject filter of every transition of one gap. A
// gap's municipality, map and rule never change (its id is derived from its
// map and rule, and a map's municipality is fixed when it is opened), so
// every transition of the gap is under this literal prefix. The prefix is
// what keeps the guarded publish and the read of a gap's last transition
// cheap: JetStream looks a filter with wildcards before the gap id up by
// walking every subject of the stream, inside the stream's one writer,
// and SAMSPILL_GAPS holds a subject per transition ever published (14 % of
// samspill up's CPU under load with the demo region's few thousand gaps).
func Filter(municipality, mapID, rule, gapID string) string {
	return Subject(municipality, mapID, rule, gapID, "*")
}

// ParsedSubject is a gap subject taken apart.
type ParsedSubject struct {
	Municipality string // "" for _
	MapID        string // "" for system
	Rule         string
	GapID        string
	Transition   string
}

// ParseSubject takes a gap subject apart.
func ParseSubject(subject string) (ParsedSubject, error) {
	t := strings.Split(subject, ".")
	if len(t) != 7 || t[0]+"."+t[1] != SubjectPrefix {
		return ParsedSubject{}, fmt.Errorf("gap: subject %q is not %s.<municipality>.<mapId>.<rule>.<gapId>.<transition>", subject, SubjectPrefix)
	}
	p := ParsedSubject{Municipality: t[2], MapID: t[3], Rule: t[4], GapID: t[5], Transition: t[6]}
	if p.Municipality == NoMunicipality {
		p.Municipality = ""
	}
	if p.MapID == SystemToken {
		p.MapID = ""
	}
	switch {
	case p.Municipality != "" && !event.IsMunicipality(p.Municipality),
		p.MapID != "" && !event.IsUUID(p.MapID),
		!event.IsGapRule(p.Rule), !event.IsGapID(p.GapID),
		p.Transition != Opened && p.Transition != Closed:
		return ParsedSubject{}, fmt.Errorf("gap: subject %q has a malformed token", subject)
	}
	return p, nil
}

// TransitionID returns the commandid of the n-th transition of a gap.
func TransitionID(gapID string, n int) string {
	return uuid.NewSHA1(uuid.MustParse(TransitionNamespace), []byte(gapID+":"+strconv.Itoa(n))).String()
}

// EventID returns the event id of the n-th transition of a gap.
func EventID(gapID string, n int) string { return eventlog.EventID(TransitionID(gapID, n), 0) }

// MsgID returns the Nats-Msg-Id of the n-th transition of a gap.
func MsgID(gapID string, n int) string { return gapID + ":" + strconv.Itoa(n) }

// parseMsgID returns n of a Nats-Msg-Id <gapId>:<n> of gapID.
func parseMsgID(gapID, msgID string) (int, bool) {
	id, ns, ok := strings.Cut(msgID, ":")
	if !ok || id != gapID {
		return 0, false
	}
	n, err := strconv.Atoi(ns)
	return n, err == nil && n > 0 && strconv.Itoa(n) == ns
}
