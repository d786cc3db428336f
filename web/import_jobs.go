package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

// importKeep is how long a finished import stays on its page, with its
// rejected rows to download.
const importKeep = time.Hour

// importJobs are the imports started from the web pages. Each runs in a
// goroutine of its own, so that its page can show the progress of a large
// file and the request that started it returns at once. They live in this
// process only: an import is one transaction, so one cut short by a
// restart wrote nothing, and its page then answers "not found".
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
	wg   sync.WaitGroup
}

func newImportJobs() *importJobs { return &importJobs{jobs: map[string]*importJob{}} }

// importJob is one import: the file read, the rows checked, and what the
// service did with them.
type importJob struct {
	ID       string
	UserID   int64
	FileName string
	Started  time.Time

	mu          sync.Mutex
	stage       string // "read", "validate", "write"
	done, total int
	running     bool
	skipInvalid bool
	finished    time.Time
	imp         *sheet.Import
	result      *kinbridge.ImportResult
	err         error
}

// importState is a snapshot of a job, for its page.
type importState struct {
	ID          string
	FileName    string
	Started     time.Time
	Stage       string
	Done, Total int
	Running     bool
	SkipInvalid bool
	Rows        int
	Result      *kinbridge.ImportResult
	Err         error
	// Rejected is set when the file was refused as a whole for its bad
	// rows: nothing was written, and the valid ones may be imported alone.
	Rejected bool
}

func (j *importJob) state() importState {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := importState{ID: j.ID, FileName: j.FileName, Started: j.Started, Stage: j.stage, Done: j.done, Total: j.total,
		Running: j.running, SkipInvalid: j.skipInvalid, Result: j.result, Err: j.err}
	if j.imp != nil {
		st.Rows = len(j.imp.Rows)
	}
	st.Rejected = !j.running && !j.skipInvalid && j.result != nil && len(j.result.Rejected) > 0
	return st
}

func (j *importJob) progress(stage string, done, total int) {
	j.mu.Lock()
	j.stage, j.done, j.total = stage, done, total
	j.mu.Unlock()
}

// newImportID returns an id nobody can guess: a job's page shows personal
// data of the rejected rows.
func newImportID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// add registers a job and forgets those finished long ago.
func (js *importJobs) add(j *importJob) {
	js.mu.Lock()
	defer js.mu.Unlock()
	for id, old := range js.jobs {
		old.mu.Lock()
		expired := !old.running && !old.finished.IsZero() && time.Since(old.finished) > importKeep
		old.mu.Unlock()
		if expired {
			delete(js.jobs, id)
		}
	}
	js.jobs[j.ID] = j
}

// find returns the caller's job of that id; another user's job is not
// found, as if it did not exist.
func (js *importJobs) find(ctx context.Context, id string) (*importJob, error) {
	a := kinbridge.ActorFromContext(ctx)
	js.mu.Lock()
	j := js.jobs[id]
	js.mu.Unlock()
	if j == nil || a == nil || j.UserID != a.UserID {
		return nil, &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: "No such import.", Key: "error.import.not_found"}
	}
	return j, nil
}

// mine lists the caller's jobs, newest first.
func (js *importJobs) mine(ctx context.Context) []importState {
	a := kinbridge.ActorFromContext(ctx)
	js.mu.Lock()
	var out []importState
	for _, j := range js.jobs {
		if a != nil && j.UserID == a.UserID {
			out = append(out, j.state())
		}
	}
	js.mu.Unlock()
	slices.SortFunc(out, func(a, b importState) int { return b.Started.Compare(a.Started) })
	return out
}

// wait waits for the running jobs to end, for tests that close the store.
func (js *importJobs) wait() { js.wg.Wait() }

// startRead reads the uploaded file (a temporary file, removed when read)
// and imports its rows, in the background. ctx carries the caller; it is
// detached from the request, which ends at once.
func (s *Server) startRead(ctx context.Context, j *importJob, file *os.File, size int64) {
	j.running, j.stage = true, "read"
	s.imports.add(j)
	s.imports.wg.Add(1)
	go func() {
		defer s.imports.wg.Done()
		imp, err := sheet.ReadImport(file, size, "", func(done, total int) { j.progress("read", done, total) })
		file.Close()
		os.Remove(file.Name())
		if err != nil {
			s.finishImport(ctx, j, nil, err)
			return
		}
		j.mu.Lock()
		j.imp = imp
		j.mu.Unlock()
		s.runImport(ctx, j)
	}()
}

// restartImport runs the import of a job's rows again, with skipInvalid, in
// the background.
func (s *Server) restartImport(ctx context.Context, j *importJob) {
	s.imports.wg.Add(1)
	go func() {
		defer s.imports.wg.Done()
		s.runImport(ctx, j)
	}()
}

func (s *Server) runImport(ctx context.Context, j *importJob) {
	j.mu.Lock()
	rows, skip := j.imp.Rows, j.skipInvalid
	j.mu.Unlock()
	res, err := s.svc.ImportRegistry(ctx, rows, kinbridge.ImportOptions{SkipInvalid: skip, Progress: j.progress})
	s.finishImport(ctx, j, res, err)
}

func (s *Server) finishImport(ctx context.Context, j *importJob, res *kinbridge.ImportResult, err error) {
	if kinbridge.ErrorCode(err) == kinbridge.EINTERNAL {
		s.logger.ErrorContext(ctx, "import failed", "import", j.ID, "error", err.Error())
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.running, j.finished, j.result, j.err = false, time.Now(), res, err
}

// saveUpload copies an uploaded file to a temporary file, at most limit
// bytes, and returns it open, with its size.
func saveUpload(src io.Reader, limit int64) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "kinbridge-import-*")
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(f, io.LimitReader(src, limit+1))
	if err == nil && n > limit {
		err = &kinbridge.Error{Code: kinbridge.EINVALID, Field: "file", Key: "error.import.too_large", Args: []any{limit >> 20},
			Message: fmt.Sprintf("The file is larger than %d MiB; import it with the command line (kinbridge import).", limit>>20)}
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, err
	}
	return f, n, nil
}
