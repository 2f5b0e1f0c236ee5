package harness

import (
	"sync"
	"time"
)

// progressSaver rewrites RecorderOptions.Out while a recording runs, off
// the request path: a client's request never waits for the file.
//
//	finish ─kick─> saveLoop: rewrite, pause, rewrite ... ─> Close: final rewrite
//
// A rewrite costs time in proportion to the cassette, so after each one
// the loop pauses ten times as long as it took (at least minSaveGap):
// however busy the session, the file costs about a tenth of one core and
// the recorder does not slow what it records. A recorder killed with
// SIGKILL loses at most the interactions that finished in the last pause.
type progressSaver struct {
	save func() error
	kick chan struct{} // a rewrite is due; capacity 1, so bursts coalesce
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu  sync.Mutex
	err error // the first failed rewrite
}

// minSaveGap is the shortest pause between two rewrites.
const minSaveGap = 50 * time.Millisecond

func newProgressSaver(save func() error) *progressSaver {
	s := &progressSaver{save: save, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

// due asks for a rewrite with what has finished so far.
func (s *progressSaver) due() {
	select {
	case s.kick <- struct{}{}:
	default: // one is pending already and will include this
	}
}

func (s *progressSaver) loop() {
	defer close(s.done)
	for {
		select {
		case <-s.kick:
		case <-s.stop:
			return
		}
		t0 := time.Now()
		s.rewrite()
		select {
		case <-time.After(max(minSaveGap, 10*time.Since(t0))):
		case <-s.stop:
			return
		}
	}
}

func (s *progressSaver) rewrite() {
	if err := s.save(); err != nil {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
}

// close stops the loop, writes the file a last time with everything, and
// returns the first error writing it. It is safe to call more than once.
func (s *progressSaver) close() error {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.rewrite()
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
