package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

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

var (
	uuidPattern      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	slugPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	sourcePattern    = regexp.MustCompile(`^/samspill/[a-z0-9/_-]{1,64}$`)
	principalPattern = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)
)

// IsUUID reports whether s is a lower-case canonical UUID, the form of every
// map, actor and relation id.
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// IsSlug reports whether s is a directory entry id: lower-case letters,
// digits and hyphens, at most 64 characters.
func IsSlug(s string) bool { return slugPattern.MatchString(s) }

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
	if !sourcePattern.MatchString(e.Source) {
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
	if e.Principal != "" && !principalPattern.MatchString(e.Principal) {
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

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
