package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/samspill/samspill/services/command/command"
)

// line is one line of the JSON Lines form of a data set.
type line struct {
	Command command.Name    `json:"command"`
	Body    json.RawMessage `json:"body"`
}

// WriteJSONLines writes the data set's commands, one JSON object a line:
// {"command": "<wire name>", "body": <the command>}.
func WriteJSONLines(w io.Writer, ds *Dataset) error {
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i, c := range ds.Commands {
		buf.Reset()
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("demo: command %d (%s): %w", i, c.CommandName(), err)
		}
		body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		name, err := json.Marshal(string(c.CommandName()))
		if err != nil {
			return err
		}
		bw.WriteString(`{"command":`)
		bw.Write(name)
		bw.WriteString(`,"body":`)
		bw.Write(body)
		if _, err := bw.WriteString("}\n"); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// maxLine bounds one line: a command is at most command.MaxCommandSize.
const maxLine = command.MaxCommandSize + 1024

// ReadJSONLines reads commands written by WriteJSONLines. Decoding is
// strict: unknown commands, unknown fields and trailing data are errors.
// Blank lines are skipped.
func ReadJSONLines(r io.Reader) ([]command.Command, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var out []command.Command
	for n := 1; sc.Scan(); n++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var l line
		if err := strict(raw, &l); err != nil {
			return nil, fmt.Errorf("demo: line %d: %w", n, err)
		}
		if len(l.Body) == 0 {
			return nil, fmt.Errorf("demo: line %d: %s has no body", n, l.Command)
		}
		c, err := command.Decode(l.Command, l.Body)
		if err != nil {
			return nil, fmt.Errorf("demo: line %d: %s: %w", n, l.Command, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return out, nil
}

// strict decodes one JSON value into v, refusing unknown fields and
// trailing data.
func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return nil
}
