package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/render"
	"github.com/samspill/samspill/pkg/stakeholder"
)

func cmdRender(stdout io.Writer) *cobra.Command {
	var format, out, lang, compare string
	cmd := &cobra.Command{
		Use:   "render FILE [--format dot|svg|png|pdf] [-o OUT] [--lang en|nb] [--compare OLD.json]",
		Short: "draw a map document or bundle as DOT, SVG, PNG or PDF",
		Long: "Draws a map document as the person's map with its open gaps (rules P1–P14 at its\n" +
			"asOf), a region bundle as the system-wide map of its organisations, or, with\n" +
			"--compare, the changes between two documents of one map. The output holds\n" +
			"personal data: files are written with mode 0600. No server needed. Exit 2 on\n" +
			"invalid input.",
		Example:           "  samspill render map.json -o map.svg\n  samspill render map.json --format pdf -o map.pdf --lang nb\n  samspill render new.json --compare old.json -o changes.svg",
		Args:              positional("a FILE"),
		ValidArgsFunction: fileCompletion("json"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return renderFile(cmd.Context(), stdout, args[0], format, out, lang, compare)
		}),
	}
	fs := cmd.Flags()
	choiceFlag(cmd, fs, &format, "format", "svg", []string{"dot", "svg", "png", "pdf"}, "the picture's format")
	fs.StringVarP(&out, "out", "o", "", "write to this `file` (mode 0600); none or - writes to standard output (png and pdf only to a pipe)")
	_ = cmd.MarkFlagFilename("out", "svg", "png", "pdf", "dot")
	choiceFlag(cmd, fs, &lang, "lang", "en", []string{"en", "nb"}, "language of the texts")
	fs.StringVar(&compare, "compare", "", "an earlier map document `OLD.json` of the same map: draw what changed from it to FILE")
	_ = cmd.MarkFlagFilename("compare", "json")
	return cmd
}

func renderFile(ctx context.Context, stdout io.Writer, file, format, out, lang, compare string) error {
	f, err := draw.ParseFormat(format)
	if err != nil {
		return usageError{fmt.Sprintf("--format %q: want dot, svg, png or pdf", format)}
	}
	toStdout, err := binaryOut(f, out, stdout)
	if err != nil {
		return err
	}
	dot, err := mapDOT(file, compare, render.Options{Lang: lang})
	if err != nil {
		return err
	}
	e, err := draw.New(ctx, draw.Options{})
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	defer e.Close()
	pic, err := e.Render(ctx, dot, f)
	switch {
	case errors.Is(err, draw.ErrTooLarge), errors.Is(err, draw.ErrUnsupported):
		return usageError{fmt.Sprintf("%s: cannot draw it as %s: %v", file, f, err)}
	case err != nil:
		return fmt.Errorf("render: %w", err)
	}
	if toStdout {
		_, err := stdout.Write(pic)
		return err
	}
	return writePrivate(out, pic)
}

// mapDOT reads the file (and the earlier document to compare with) and
// draws its map as DOT.
func mapDOT(file, compare string, o render.Options) ([]byte, error) {
	doc, bundle, err := readOffline(file)
	if err != nil {
		return nil, err
	}
	var dot []byte
	switch {
	case compare != "":
		if doc == nil {
			return nil, usageError{fmt.Sprintf("--compare: %s is a bundle; a change map compares two map documents", file)}
		}
		old, oldBundle, err := readOffline(compare)
		if err != nil {
			return nil, err
		}
		if oldBundle != nil {
			return nil, usageError{fmt.Sprintf("--compare: %s is a bundle; a change map compares two map documents", compare)}
		}
		dot, err = render.ChangeMap(old, doc, o)
		if err != nil {
			return nil, renderError(file, err)
		}
	case doc != nil:
		if doc.Focus.Kind != stakeholder.FocusCitizen {
			return nil, usageError{fmt.Sprintf("%s: a %s map has no person to draw a map around; render a region bundle", file, doc.Focus.Kind)}
		}
		open, err := gaps.Citizen(doc, gaps.DefaultConfig())
		if err != nil {
			return nil, fmt.Errorf("render: gaps: %w", err)
		}
		if dot, err = render.PersonMap(doc, open, o); err != nil {
			return nil, renderError(file, err)
		}
	default:
		dot, err = systemDOT(file, bundle, o)
		if err != nil {
			return nil, err
		}
	}
	return dot, nil
}

func systemDOT(file string, b *mapdoc.Bundle, o render.Options) ([]byte, error) {
	res, err := gaps.System(b, gaps.DefaultSystemConfig())
	if err != nil {
		if errors.Is(err, gaps.ErrNotCitizenMap) {
			return nil, usageError{fmt.Sprintf("%s: %v", file, err)}
		}
		return nil, fmt.Errorf("render: gaps: %w", err)
	}
	dot, err := render.SystemMap(res, o)
	if err != nil {
		return nil, renderError(file, err)
	}
	return dot, nil
}

// renderError makes a document the builders cannot draw invalid input.
func renderError(file string, err error) error {
	if errors.Is(err, render.ErrInput) || errors.Is(err, render.ErrOptions) {
		return usageError{fmt.Sprintf("%s: %v", file, err)}
	}
	return fmt.Errorf("render: %w", err)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// writePrivate writes a file only its owner can read: into a new file of
// mode 0600 beside it, renamed over it, so that neither an existing file's
// wider mode nor a half-written picture is left. A path that is not a
// regular file (a pipe, /dev/stdout) is written as it is.
func writePrivate(path string, b []byte) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		return f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
