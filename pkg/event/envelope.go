package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/samspill/samspill/pkg/date"
)

// CloudEvents constants.
const (
	SpecVersion = "1.0"
	ContentType = "application/json"
)

// SchemaBase is the base URI of the published schemas; an envelope's
// dataschema is SchemaBase followed by its type's SchemaPath.
const SchemaBase = "https://schemas.samspill.no/"

// ErrMalformed is wrapped by every decoding and validation error of this
// package.
var ErrMalformed = errors.New("malformed event")

// Envelope is a CloudEvents 1.0 event in structured JSON mode, with the
// Samspill extension attributes validtime, commandid and principal.
type Envelope struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            Type      `json:"type"`
	Subject         string    `json:"subject"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	DataSchema      string    `json:"dataschema,omitempty"`
	// ValidTime is the date the fact began to hold in the world.
	ValidTime date.Date `json:"validtime"`
	// CommandID is the id of the command that wrote the event; all events of
	// one command share it, and it makes retries idempotent.
	CommandID string `json:"commandid"`
	// Principal is the pseudonymous id of the user or system that issued the
	// command. It is never a name.
	Principal string          `json:"principal,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// The forms of ids and attributes. Every follower checks them on every
// event it reads, so they are plain loops rather than regular expressions
// (a regular expression cost a third of decoding an event); patterns_test
// holds the regular expressions of the schemas and checks that each loop
// accepts exactly what its expression does.

// IsUUID reports whether s is a lower-case canonical UUID, the form of every
// map, actor and relation id
// (^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// IsSlug reports whether s is a directory entry id: lower-case letters,
// digits and hyphens, at most 64 characters, not starting with a hyphen
// (^[a-z0-9][a-z0-9-]{0,63}$).
func IsSlug(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isSource reports whether s is an envelope's source,
// ^/samspill/[a-z0-9/_-]{1,64}$.
func isSource(s string) bool {
	rest, ok := strings.CutPrefix(s, "/samspill/")
	if !ok || len(rest) == 0 || len(rest) > 64 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// New wraps data in an envelope for the given aggregate. The caller sets ID,
// CommandID and Time (see package eventlog and the command service).
func New(agg Aggregate, source string, valid date.Date, data Data) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s data: %w", data.EventType(), err)
	}
	return Envelope{
		SpecVersion:     SpecVersion,
		Source:          source,
		Type:            data.EventType(),
		Subject:         agg.String(),
		DataContentType: ContentType,
		DataSchema:      SchemaBase + data.EventType().SchemaPath(),
		ValidTime:       valid,
		Data:            raw,
	}, nil
}

// Aggregate returns the aggregate the envelope's subject names.
func (e Envelope) Aggregate() (Aggregate, error) { return ParseAggregate(e.Subject) }

// Decode returns the typed data of the envelope, decoded strictly (unknown
// fields are an error) and validated.
func (e Envelope) Decode() (Data, error) {
	d, err := NewData(e.Type)
	if err != nil {
		return nil, err
	}
	if err := strictUnmarshal(e.Data, d); err != nil {
		return nil, fmt.Errorf("%w: %s data: %v", ErrMalformed, e.Type, err)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %s data: %v", ErrMalformed, e.Type, err)
	}
	return d, nil
}

// Validate checks the envelope's attributes, not its data.
func (e Envelope) Validate() error {
	var problems []string
	if e.SpecVersion != SpecVersion {
		problems = append(problems, fmt.Sprintf("specversion %q, want %q", e.SpecVersion, SpecVersion))
	}
	if !IsUUID(e.ID) {
		problems = append(problems, "id is not a UUID")
	}
	if !isSource(e.Source) {
		problems = append(problems, fmt.Sprintf("source %q is not /samspill/<service>", e.Source))
	}
	if _, ok := registry[e.Type]; !ok {
		problems = append(problems, fmt.Sprintf("unknown type %q", e.Type))
	}
	agg, err := ParseAggregate(e.Subject)
	if err != nil {
		problems = append(problems, err.Error())
	} else if e.Type.Valid() && e.Type.Area() != agg.Kind {
		problems = append(problems, fmt.Sprintf("type %s does not belong to a %s aggregate", e.Type, agg.Kind))
	}
	if e.Time.IsZero() {
		problems = append(problems, "time is missing")
	}
	if e.DataContentType != ContentType {
		problems = append(problems, fmt.Sprintf("datacontenttype %q, want %q", e.DataContentType, ContentType))
	}
	if e.ValidTime.IsZero() {
		problems = append(problems, "validtime is missing")
	}
	if !IsUUID(e.CommandID) {
		problems = append(problems, "commandid is not a UUID")
	}
	if e.Principal != "" && !IsPrincipal(e.Principal) {
		problems = append(problems, "principal has characters outside [A-Za-z0-9._:@-]")
	}
	if len(e.Data) == 0 || e.Data[0] != '{' {
		problems = append(problems, "data is not a JSON object")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrMalformed, strings.Join(problems, "; "))
	}
	return nil
}

// Marshal encodes the envelope as structured CloudEvents JSON.
func Marshal(e Envelope) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode envelope %s: %w", e.Type, err)
	}
	return b, nil
}

// Unmarshal decodes and validates an envelope and its data. Unknown
// attributes and unknown data fields are errors: the contract is closed.
func Unmarshal(b []byte) (Envelope, Data, error) {
	var e Envelope
	if err := strictUnmarshal(b, &e); err != nil {
		return Envelope{}, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := e.Validate(); err != nil {
		return Envelope{}, nil, err
	}
	d, err := e.Decode()
	if err != nil {
		return Envelope{}, nil, err
	}
	return e, d, nil
}

// strict are the decoding options of the closed contract: an unknown
// member is an error. Decoding is github.com/go-json-experiment/json (what
// becomes encoding/json/v2), which reads a value in one pass where
// encoding/json's Decoder scans it, then decodes it, and copies the data
// of an envelope to scan it twice more: about three times as fast, which
// every follower pays on every event. It is also stricter than
// encoding/json, as the schemas are: member names match exactly (not
// whatever their case), a name twice and invalid UTF-8 are errors. Every
// event in a log was encoded by Marshal (encoding/json), which writes
// none of these. Encoding stays encoding/json's, byte for byte.
var strict = jsonv2.JoinOptions(jsonv2.RejectUnknownMembers(true), jsonv2.WithUnmarshalers(jsonv2.JoinUnmarshalers(
	// The same as date.Date's UnmarshalJSON and json.RawMessage's, without
	// the round trip through encoding/json that calling them costs.
	jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, d *date.Date) error {
		switch k := dec.PeekKind(); k {
		case 'n':
			if _, err := dec.ReadToken(); err != nil {
				return err
			}
			*d = date.Date{}
			return nil
		case '"':
			t, err := dec.ReadToken()
			if err != nil {
				return err
			}
			p, err := date.Parse(t.String())
			if err != nil {
				return err
			}
			*d = p
			return nil
		default:
			return fmt.Errorf("date: want a string YYYY-MM-DD, not %v", k)
		}
	}),
	jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, m *json.RawMessage) error {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		*m = append((*m)[:0], v...)
		return nil
	}),
)))

// strictUnmarshal decodes one JSON value b into v; an unknown member and
// anything after the value are errors.
func strictUnmarshal(b []byte, v any) error {
	return jsonv2.Unmarshal(b, v, strict)
}
