package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// Cassette is a recorded session in go-vcr's v4 cassette format (version 2),
// so that go-vcr's own cassette.Load reads it, with mcpvcr's extras under
// keys go-vcr ignores:
//
//	# comment lines: what was recorded, when, through what
//	---
//	version: 2
//	mcpvcr: {provenance}
//	interactions:
//	  - id: 0
//	    request: {...}      # go-vcr
//	    response: {...}     # go-vcr; SSE bodies are the raw stream bytes
//	    mcpvcr: {timeline}  # start offset, header time, each event, end reason
//
// Every secret in it is a placeholder such as __ACCESS_TOKEN_1__ (see
// Redactor).
type Cassette struct {
	Version      int            `yaml:"version"`
	Provenance   Provenance     `yaml:"mcpvcr"`
	Interactions []*Interaction `yaml:"interactions"`
}

// Interaction is a go-vcr interaction plus its timeline.
type Interaction struct {
	cassette.Interaction `yaml:",inline"`
	Stream               Timeline `yaml:"mcpvcr"`
}

// Provenance says what produced a cassette, so a fixture can be trusted and
// re-recorded: STYLE.md "Fixtures are golden files".
type Provenance struct {
	Client          string    `yaml:"client"`
	UserAgent       string    `yaml:"user_agent,omitempty"`
	ProtocolVersion string    `yaml:"protocol_version,omitempty"`
	Server          string    `yaml:"server,omitempty"`
	Recorded        time.Time `yaml:"recorded"`
	MCPVCRVersion   string    `yaml:"mcpvcr_version"`
	// Upstream says what kind of server was recorded ("mcpvcr serve",
	// "go-sdk test server", "remote").
	Upstream string `yaml:"upstream"`
	// Tunnel names what sat between the client and the server ("none",
	// "cloudflared quick tunnel", a toxics profile).
	Tunnel string `yaml:"tunnel"`
	// Origin is the scheme://host:port the client talked to. The replayer
	// swaps it for the target's origin, in both directions.
	Origin string `yaml:"origin"`
	// UpstreamOrigin is the scheme://host:port of the server behind the
	// recorder. The recorder rewrites it to Origin in headers and documents,
	// but SSE streams pass untouched (byte for byte, as flushed), so a tool
	// result naming the server's URL keeps it; the replayer reads it as
	// Origin.
	UpstreamOrigin string `yaml:"upstream_origin,omitempty"`
	// TunnelHeaders names the headers a tunnel in front of the recorder
	// added (X-Forwarded-For, Cf-Connecting-Ip, Cf-Ray, ...). Their values
	// identify the client or change per request, so they were dropped from
	// every recorded request; only the names are kept, as evidence of the
	// tunnel.
	TunnelHeaders []string `yaml:"tunnel_headers,omitempty"`
	// Source says how the traffic came about: SourceCaptured (a real
	// client was pointed at the recorder) or SourceAssembled (a scripted
	// client sent requests in an order taken from notes), with what it was
	// assembled from after a colon.
	Source string `yaml:"source,omitempty"`
	// Why the fixture is kept.
	Why string `yaml:"why,omitempty"`
	// Placeholders lists every placeholder used, so a reader sees what was
	// redacted without searching.
	Placeholders []string `yaml:"placeholders,omitempty"`
	// InteractionCount is how many interactions the file holds, written by
	// Marshal and checked by LoadCassette, with the end line, to refuse a
	// truncated file. 0 in files written before it existed.
	InteractionCount int `yaml:"interaction_count,omitempty"`
}

// Sources of a recording (Provenance.Source).
const (
	// SourceCaptured: a real client, unchanged, was recorded.
	SourceCaptured = "captured"
	// SourceAssembled: a scripted client sent the requests in an order
	// described in notes; the traffic is real, the client is not.
	SourceAssembled = "assembled"
)

// Errors of LoadCassette; callers use errors.Is.
var (
	// ErrNotCassette is returned when the file is not YAML, or YAML but
	// not a version 2 cassette.
	ErrNotCassette = errors.New("not a go-vcr version 2 cassette")
	// ErrEmptyCassette is returned for an empty file, or a cassette
	// without interactions: replaying it would prove nothing.
	ErrEmptyCassette = errors.New("the cassette is empty")
	// ErrTruncatedCassette is returned when a cassette written by Marshal
	// lacks its end line or some of the interactions it counts: the copy
	// or the write was cut short.
	ErrTruncatedCassette = errors.New("the cassette is truncated")
)

// endLine ends every file Marshal writes; its absence in a file that
// counts its interactions means the file was cut.
const endLine = "# end of cassette\n"

// LoadCassette reads a cassette file. The ".yaml" extension may be left out,
// as with go-vcr's cassette.Load.
func LoadCassette(path string) (*Cassette, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !strings.HasSuffix(path, ".yaml") {
		data, err = os.ReadFile(path + ".yaml")
	}
	if err != nil {
		return nil, fmt.Errorf("load cassette: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("load cassette %s: the file is empty: %w", path, ErrEmptyCassette)
	}
	var c Cassette
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("load cassette %s: %w (%v)", path, ErrNotCassette, err)
	}
	if c.Version != cassette.CassetteFormatVersion {
		return nil, fmt.Errorf("load cassette %s: version %d: %w", path, c.Version, ErrNotCassette)
	}
	if n := c.Provenance.InteractionCount; n > 0 {
		switch {
		case !bytes.HasSuffix(data, []byte(endLine)):
			return nil, fmt.Errorf("load cassette %s: it ends before its last line (%d of the %d interactions it counts are there): %w; re-record it or copy it again",
				path, len(c.Interactions), n, ErrTruncatedCassette)
		case len(c.Interactions) != n:
			return nil, fmt.Errorf("load cassette %s: %d interactions, but it counts %d: %w", path, len(c.Interactions), n, ErrTruncatedCassette)
		}
	}
	if len(c.Interactions) == 0 {
		return nil, fmt.Errorf("load cassette %s: no interactions: %w", path, ErrEmptyCassette)
	}
	for i, in := range c.Interactions {
		if in == nil {
			// "interactions: [~]" or a bare "-": found by FuzzLoadCassette.
			return nil, fmt.Errorf("load cassette %s: interaction %d is empty: %w", path, i, ErrNotCassette)
		}
		in.Stream.Interaction = i
		in.Stream.Method = in.Request.Method
		in.Stream.URL = in.Request.URL
		in.Stream.Status = in.Response.Code
		in.Stream.ContentType = in.Response.Headers.Get("Content-Type")
	}
	return &c, nil
}

// Marshal returns the file's bytes: a comment header, then the YAML.
func (c *Cassette) Marshal() ([]byte, error) {
	c.Version = cassette.CassetteFormatVersion
	c.Provenance.InteractionCount = len(c.Interactions)
	for i, in := range c.Interactions {
		in.ID = i
	}
	var b bytes.Buffer
	p := c.Provenance
	fmt.Fprintf(&b, "# mcpvcr cassette (go-vcr v4 format, loadable by cassette.Load).\n")
	fmt.Fprintf(&b, "# Recorded %s by mcpvcr %s from client %q", p.Recorded.UTC().Format(time.RFC3339), p.MCPVCRVersion, p.Client)
	if p.ProtocolVersion != "" {
		fmt.Fprintf(&b, " (protocol %s)", p.ProtocolVersion)
	}
	fmt.Fprintf(&b, "\n# against %s", p.Upstream)
	if p.Server != "" && p.Server != p.Upstream {
		fmt.Fprintf(&b, " (%s)", p.Server)
	}
	fmt.Fprintf(&b, " through tunnel %q.\n", p.Tunnel)
	if p.Source != "" {
		fmt.Fprintf(&b, "# Source: %s\n", p.Source)
	}
	if p.Why != "" {
		fmt.Fprintf(&b, "# Why kept: %s\n", p.Why)
	}
	fmt.Fprintf(&b, "# Secrets are replaced by placeholders __KIND_N__; re-record with `mcpvcr record`.\n---\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("marshal cassette: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal cassette: %w", err)
	}
	b.WriteString(endLine)
	return b.Bytes(), nil
}

// Save writes the cassette to path (".yaml" is appended when missing, so
// go-vcr's cassette.Load(strings.TrimSuffix(path, ".yaml")) finds it).
// The write is atomic: a temporary file in the same folder is renamed
// over path, so a reader, or a recorder killed mid-write, never leaves
// half a file there.
func (c *Cassette) Save(path string) error {
	if !strings.HasSuffix(path, ".yaml") {
		path += ".yaml"
	}
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save cassette: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save cassette: %w", err)
	}
	return nil
}

// VCR returns the interactions as a go-vcr cassette ready for go-vcr's
// recorder in replay mode. Its MarshalFunc is set: cassette.New leaves it
// nil and Save would panic.
func (c *Cassette) VCR(name string) *cassette.Cassette {
	v := cassette.New(name)
	v.MarshalFunc = yaml.Marshal
	for _, in := range c.Interactions {
		i := in.Interaction
		v.AddInteraction(&i)
	}
	return v
}

// Timelines returns the recorded timeline of every interaction.
func (c *Cassette) Timelines() []Timeline {
	return each(c.Interactions, func(in *Interaction) Timeline { return in.Stream })
}
