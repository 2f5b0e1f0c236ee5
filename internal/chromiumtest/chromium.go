// Package chromiumtest opens a page in Debian's headless chromium, as a
// person would look at it, for tests: the DOM as rendered and a
// screenshot. (Headless chromium's --dump-dom and --screenshot write
// nothing with scripts disabled by --blink-settings=scriptEnabled=false,
// so a page that must read without JavaScript proves it by having no
// script: the report's Content-Security-Policy forbids any.)
//
//	page := chromiumtest.Render(t, "report.html", 1320, 1600)
//	if page.Ink(color.White) < 1000 { t.Fatal("blank") }
//
// Without chromium a test skips; under CI=true it fails instead, so CI
// cannot pass by skipping (.ci/setup.d/45-chromium.sh installs it).
package chromiumtest

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Path returns chromium's path, skipping the test (failing it under
// CI=true) when there is none.
func Path(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium (CI=true: failing instead of skipping; .ci/setup.d/45-chromium.sh installs it)")
	}
	t.Skip("no chromium: apt-get install chromium (or bash .ci/setup.d/45-chromium.sh)")
	return ""
}

// Page is a page as headless chromium rendered it.
type Page struct {
	// DOM is the document after parsing, serialized (--dump-dom).
	DOM string
	// Screenshot is the window's picture; PNG its file.
	Screenshot image.Image
	PNG        string
}

// Render opens file (a local HTML file) in headless chromium, each run on
// a fresh profile, and returns its DOM and a
// width×height screenshot.
func Render(t testing.TB, file string, width, height int) Page {
	t.Helper()
	bin := Path(t)
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + abs
	shot := filepath.Join(t.TempDir(), "screenshot.png")
	dom := run(t, bin, "--dump-dom", url)
	run(t, bin, "--screenshot="+shot, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "--hide-scrollbars", url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	return Page{DOM: dom, Screenshot: img, PNG: shot}
}

// Flags are the ones every run gets: headless, no sandbox (CI runs as
// root), no GPU, nothing fetched in the background, a fresh profile.
func flags(profile string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile,
	}
}

func run(t testing.TB, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(flags(t.TempDir()), args...)...)
	var stderr limited
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.b)
	}
	return string(out)
}

// limited keeps the first 8 KiB written: chromium is chatty on stderr
// (D-Bus, GPU) and only the start says why it failed.
type limited struct{ b []byte }

func (l *limited) Write(p []byte) (int, error) {
	if room := 8<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

// Ink counts the pixels that differ from bg: 0 means a blank page.
func (p Page) Ink(bg color.Color) int {
	return p.count(func(c color.Color) bool { return !near(c, bg, 8) })
}

// Count counts the pixels within tol (per channel, 0-255) of c: whether
// something drawn in that colour is visible.
func (p Page) Count(c color.Color, tol int) int {
	return p.count(func(x color.Color) bool { return near(x, c, tol) })
}

func (p Page) count(match func(color.Color) bool) int {
	n := 0
	b := p.Screenshot.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if match(p.Screenshot.At(x, y)) {
				n++
			}
		}
	}
	return n
}

func near(a, b color.Color, tol int) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool {
		diff := int(x>>8) - int(y>>8)
		return diff <= tol && diff >= -tol
	}
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}
