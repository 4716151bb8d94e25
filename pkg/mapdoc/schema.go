package mapdoc

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/samspill/samspill/schemas"
)

// schemaBase is the URL below which the schema files are published; a
// file's $id is schemaBase followed by its path in schemas.FS.
const schemaBase = "https://schemas.samspill.no/"

// Paths in schemas.FS of the schemas a Validator compiles.
const (
	defsPath   = "common/v1/defs.json"
	MapPath    = "mapdoc/v1/map.json"    // the map document schema in schemas.FS
	BundlePath = "mapdoc/v1/bundle.json" // the bundle schema in schemas.FS
)

// Validator holds the compiled schemas. It is immutable once built and safe
// for concurrent use; build one per process with NewValidator.
type Validator struct {
	mapSchema    *jsonschema.Schema
	bundleSchema *jsonschema.Schema
}

// NewValidator compiles the map document and bundle schemas embedded in
// module schemas. It reads nothing from the network.
func NewValidator() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	for _, p := range []string{defsPath, MapPath, BundlePath} {
		f, err := schemas.FS.Open(p)
		if err != nil {
			return nil, fmt.Errorf("mapdoc: %w", err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("mapdoc: %s: %w", p, err)
		}
		if err := c.AddResource(schemaBase+p, doc); err != nil {
			return nil, fmt.Errorf("mapdoc: %s: %w", p, err)
		}
	}
	v := &Validator{}
	var err error
	if v.mapSchema, err = c.Compile(schemaBase + MapPath); err != nil {
		return nil, fmt.Errorf("mapdoc: compiling %s: %w", MapPath, err)
	}
	if v.bundleSchema, err = c.Compile(schemaBase + BundlePath); err != nil {
		return nil, fmt.Errorf("mapdoc: compiling %s: %w", BundlePath, err)
	}
	return v, nil
}

// noLoader refuses every URL that was not added as a resource.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s: %w", url, fs.ErrNotExist)
}

// schemaProblems translates the validator's error tree into problems, one
// per leaf, without quoting values from the document.
func schemaProblems(err error, c *collector) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		c.addAt("", "could not be checked against the schema")
		return
	}
	leaves(ve, c)
}

func leaves(e *jsonschema.ValidationError, c *collector) {
	if len(e.Causes) > 0 {
		for _, cause := range e.Causes {
			leaves(cause, c)
		}
		return
	}
	p := path(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			c.add(p.key(m), "required property is missing")
		}
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			c.add(p.key(m), "required property is missing (required when %q is present)", k.Prop)
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			c.add(p.key(name), `unknown property; only the fields of the schema and extensions named "x-…" are allowed`)
		}
	case *kind.Type:
		c.add(p, "is %s, want %s", article(k.Got), strings.Join(k.Want, " or "))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		c.add(p, "is not one of the allowed values: %s", strings.Join(want, ", "))
	case *kind.Const:
		if strings.Contains(e.SchemaURL, "/$defs/relation/then") {
			c.add(p, `must be "serves": only a serves relation can be inpatient`)
		} else {
			c.add(p, "must be %s", strconv.Quote(fmt.Sprint(k.Want)))
		}
	case *kind.Pattern:
		c.add(p, "%s", patternMessage(k.Want))
	case *kind.Format:
		c.add(p, "is not a valid %s", k.Want)
	case *kind.MinLength:
		if k.Want <= 1 {
			c.add(p, "must not be empty")
		} else {
			c.add(p, "is shorter than %d characters", k.Want)
		}
	case *kind.MaxLength:
		c.add(p, "is longer than %d characters", k.Want)
	case *kind.Minimum:
		c.add(p, "must be at least %s", k.Want.RatString())
	case *kind.Maximum:
		c.add(p, "must be at most %s", k.Want.RatString())
	case *kind.MinProperties:
		c.add(p, "must not be empty")
	case *kind.Not:
		if strings.HasSuffix(e.SchemaURL, "/$defs/directorySector") {
			c.add(p, "is not allowed: a directory entry is an organisation or a service, never of sector citizen or informal")
		} else {
			c.add(p, "is not allowed here")
		}
	case *kind.FalseSchema:
		c.add(p, "is not allowed here")
	default:
		c.add(p, "does not satisfy the schema (%s)", strings.Join(e.ErrorKind.KeywordPath(), "/"))
	}
}

func article(t string) string {
	switch t {
	case "null":
		return "null"
	case "array", "integer", "object":
		return "an " + t
	}
	return "a " + t
}

// patternMessage explains the patterns of the schemas in words.
func patternMessage(pattern string) string {
	switch pattern {
	case "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$":
		return "is not a local id: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters"
	case "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$":
		return "is not a lower-case UUID"
	case "^[a-z0-9][a-z0-9-]{0,63}$":
		return "is not a directory id: lower-case letters, digits and '-', starting with a letter or digit, at most 64 characters"
	case "^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$":
		return "is not a date YYYY-MM-DD with a year from 1900 to 2200"
	case "^[0-9]{3,4}$":
		return "is not a municipality number (3 or 4 digits)"
	case "^[A-Za-z0-9-]{1,32}$":
		return "is not a region code: letters, digits and '-', at most 32 characters"
	case "^[^\\x00-\\x1f\\x7f]*$", "^[^\u0000\r\n\t]*$":
		return "contains a control character or a line break"
	case "^[^\\x00-\\x08\\x0b-\\x1f\\x7f]*$":
		return "contains a control character"
	}
	return "does not match the pattern " + strconv.Quote(pattern)
}
