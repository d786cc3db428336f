package kinbridge

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log: who did what to which record,
// when and from where. Entries form a hash chain: each holds the hash of the
// one before, and its own hash covers every field, so an edited, deleted,
// inserted or reordered entry breaks the chain at that point. The audit head
// record names the newest entry, so that deleting the newest entries shows
// too. VerifyAudit says what the chain proves and what it cannot.
//
// Entries are in time order as well as in sequence order: an entry is never
// stamped earlier than the one before it (see Link), so a time range of the
// log is a range of sequence numbers.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	ActorID    int64  // 0 for the system or an unknown user
	ActorName  string // username, or "system:<command>"
	UnitID     int64  // the unit the record belongs to; 0 if none
	Action     string // e.g. "user.create", "person.view"
	RecordType string
	RecordID   int64
	Addr       string
	Detail     string // JSON object; never a password or token
	PrevHash   string // hex
	Hash       string // hex
}

// AuditEvent is what a service says happened; audit turns it into an entry.
type AuditEvent struct {
	Action     string
	RecordType string
	RecordID   int64
	UnitID     int64
	Detail     map[string]any
}

// secretWords are never allowed as detail keys: the audit log must not hold
// passwords or tokens even by mistake.
var secretWords = []string{"password", "token", "secret", "hash"}

// AuditHead is where the audit log ends: the sequence number, hash and time
// of its newest entry. The zero value is the head of an empty log.
type AuditHead struct {
	Seq  int64
	Hash string // hex, as in AuditEntry
	At   time.Time
}

// ErrAuditHeadMoved is what Tx.AppendAudit returns, having stored nothing,
// when the head is no longer the entry's predecessor: another append came
// first. The caller links the entry to the head anew and appends again.
var ErrAuditHeadMoved = &Error{Code: ECONFLICT, Message: "Someone else changed the same records at the same time; try again.", Key: "error.retry"}

// Link makes e the entry after head: it sets e's sequence number, previous
// hash, time and hash. The time is now, or the head's time if that is
// later: clocks step back, and on PostgreSQL a transaction that began
// earlier may append later. So the log stays in time order.
func (e *AuditEntry) Link(head AuditHead, now time.Time) {
	e.Seq, e.PrevHash, e.At = head.Seq+1, head.Hash, now
	if now.Before(head.At) {
		e.At = head.At
	}
	e.Hash = hex.EncodeToString(e.ComputeHash())
}

// audit appends an entry for the event to the log inside tx, chained to the
// current head. Every service write calls it in the write's transaction.
func (s *Service) audit(ctx context.Context, tx Tx, a *Actor, ev AuditEvent) error {
	detail := "{}"
	if len(ev.Detail) > 0 {
		clean := make(map[string]any, len(ev.Detail))
		for k, v := range ev.Detail {
			if isSecretKey(k) {
				continue
			}
			clean[k] = v
		}
		b, err := json.Marshal(clean) // map keys are sorted: the text is canonical
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		detail = string(b)
	}
	return AppendAudit(ctx, tx, &AuditEntry{ActorID: a.UserID, ActorName: a.Username, UnitID: ev.UnitID,
		Action: ev.Action, RecordType: ev.RecordType, RecordID: ev.RecordID, Addr: a.Addr, Detail: detail})
}

// AppendAudit links e to the end of the log and stores it in tx (see Link).
// The head that tx.AuditHead gives first may be the store's memory of its
// last commit rather than a reading: that spares the write a round trip to
// the database. If another append came first, tx.AppendAudit says so and
// stores nothing; the second tx.AuditHead reads the head and locks it for
// the rest of the transaction, so the second append cannot lose that way.
func AppendAudit(ctx context.Context, tx Tx, e *AuditEntry) error {
	for attempt := 1; ; attempt++ {
		head, err := tx.AuditHead(ctx)
		if err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		e.Link(head, tx.Now())
		err = tx.AppendAudit(ctx, e)
		if errors.Is(err, ErrAuditHeadMoved) && attempt == 1 {
			continue
		}
		return err
	}
}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// ComputeHash returns the SHA-256 of the entry's fields and the previous
// hash, each length-prefixed so that no two entries encode alike.
func (e *AuditEntry) ComputeHash() []byte {
	// One buffer, on the stack for most entries, and no string per field:
	// the verifier hashes every entry of the log.
	var stack [1024]byte
	var num [40]byte
	buf := stack[:0]
	buf = appendField(buf, strconv.AppendInt(num[:0], e.Seq, 10))
	buf = appendField(buf, e.At.UTC().AppendFormat(num[:0], time.RFC3339Nano))
	buf = appendField(buf, strconv.AppendInt(num[:0], e.ActorID, 10))
	buf = appendField(buf, e.ActorName)
	buf = appendField(buf, strconv.AppendInt(num[:0], e.UnitID, 10))
	buf = appendField(buf, e.Action)
	buf = appendField(buf, e.RecordType)
	buf = appendField(buf, strconv.AppendInt(num[:0], e.RecordID, 10))
	buf = appendField(buf, e.Addr)
	buf = appendField(buf, e.Detail)
	buf = appendField(buf, e.PrevHash)
	sum := sha256.Sum256(buf)
	return sum[:]
}

// appendField appends s to buf with its length before it.
func appendField[T string | []byte](buf []byte, s T) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	PathPrefix  string // entries of records in this subtree
	Path        string // entries of records of exactly this unit
	WithoutUnit bool   // also entries that belong to no unit
	ActorID     int64
	ActorName   string
	RecordType  string
	RecordID    int64
	Records     []AuditRecord // entries about any of these records
	From, To    time.Time     // To is exclusive
	BeforeSeq   int64         // paging: entries older than this
	Limit       int
}

// FindAuditEntries returns audit entries of the caller's scope.
func (s *Service) FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionAuditView); err != nil {
		return nil, err
	}
	scope := scopeFilter(a)
	f.PathPrefix, f.Path = scope.PathPrefix, scope.Path
	// Entries that belong to no unit (failed sign-ins of unknown names, the
	// command line) are for the top of the tree only.
	f.WithoutUnit = a.System || (a.Role.SubtreeScope() && strings.Count(a.UnitPath, "/") == 2)
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var entries []*AuditEntry
	err = s.store.View(ctx, func(tx Tx) error {
		entries, err = tx.FindAuditEntries(ctx, f)
		return err
	})
	return entries, err
}

// AuditProblem is the first place where the audit chain is broken.
type AuditProblem struct {
	Seq    int64
	Reason string
}

func (p *AuditProblem) String() string { return fmt.Sprintf("entry %d: %s", p.Seq, p.Reason) }

// VerifyAudit walks the whole audit log and checks the chain: consecutive
// sequence numbers, each entry's hash, each link to the previous entry, time
// order, and that the head record names the last entry. It returns the
// number of entries checked and the first problem, or nil when the log is
// intact. progress, if not nil, is called every 100,000 entries.
//
// What it detects, in a log changed behind the service's back: an edited
// entry (its hash no longer matches); a deleted entry (a gap in the
// sequence), the newest ones included (the head names an entry the log no
// longer has); an inserted entry, even a well-forged one with a right hash
// (the entry after it, or the head, no longer links to it); reordered
// entries (the links break); an entry appended past the head.
//
// What it cannot detect: the chain has no secret, so whoever can write to
// the database can also recompute the hashes from the point of a change on
// and move the head to match — rewrite, delete or add entries and leave a
// chain that verifies. Deleting the newest entries takes no hashing at all:
// setting the head back to the last entry kept is enough. Only a copy of
// the head kept outside the database (a backup, a printed verification,
// another system's log) shows such a rewrite; the log proves the absence of
// clumsy tampering, not of a careful rewrite by someone with write access
// to the database. Nor does it see writes that bypassed the service and so
// never had an entry.
func (s *Service) VerifyAudit(ctx context.Context, progress func(checked int64)) (int64, *AuditProblem, error) {
	var n int64
	var problem *AuditProblem
	err := s.store.View(ctx, func(tx Tx) error {
		var last AuditHead // of the entries checked so far
		err := tx.ScanAudit(ctx, func(e *AuditEntry) error {
			n++
			switch {
			case e.Seq > last.Seq+1:
				problem = &AuditProblem{last.Seq + 1, fmt.Sprintf("missing: the log jumps from entry %d to %d (deleted entries)", last.Seq, e.Seq)}
			case e.Seq != last.Seq+1:
				problem = &AuditProblem{e.Seq, "out of order"}
			case e.PrevHash != last.Hash:
				problem = &AuditProblem{e.Seq, "does not link to the entry before it (inserted, deleted or reordered entries)"}
			case hex.EncodeToString(e.ComputeHash()) != e.Hash:
				problem = &AuditProblem{e.Seq, "its content does not match its hash (edited)"}
			case e.At.Before(last.At):
				problem = &AuditProblem{e.Seq, "earlier than the entry before it (rewritten entries)"}
			}
			if problem != nil {
				return errStopScan
			}
			last = AuditHead{Seq: e.Seq, Hash: e.Hash, At: e.At}
			if progress != nil && n%100000 == 0 {
				progress(n)
			}
			return nil
		})
		if err == errStopScan {
			return nil
		} else if err != nil {
			return err
		}
		// The view is one snapshot: the head read here is the head of the log
		// just scanned.
		head, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		switch {
		case head.Seq > last.Seq:
			problem = &AuditProblem{last.Seq + 1, fmt.Sprintf("missing: the log ends at entry %d but its head says %d (deleted entries)", last.Seq, head.Seq)}
		case head.Seq < last.Seq:
			problem = &AuditProblem{head.Seq + 1, fmt.Sprintf("not in the chain: the head is entry %d but the log goes on to %d (inserted entries)", head.Seq, last.Seq)}
		case head.Hash != last.Hash || !head.At.Equal(last.At):
			problem = &AuditProblem{last.Seq, "not the entry the head names (replaced entry)"}
		}
		return nil
	})
	return n, problem, err
}

var errStopScan = fmt.Errorf("stop scan")

// AuditRecord names one record in the audit log.
type AuditRecord struct {
	Type string
	ID   int64
}

// WhoSawPerson lists the audit entries that read or changed a person's
// record or their household's: who saw this person, and when.
func (s *Service) WhoSawPerson(ctx context.Context, personID int64, beforeSeq int64) ([]*AuditEntry, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var entries []*AuditEntry
	err = s.store.Update(ctx, func(tx Tx) error {
		p, err := findPersonInScope(ctx, tx, a, ActionRegistryAudit, personID)
		if err != nil {
			return err
		}
		entries, err = tx.FindAuditEntries(ctx, AuditFilter{
			Records:   []AuditRecord{{"person", p.ID}, {"household", p.HouseholdID}},
			BeforeSeq: beforeSeq, Limit: 200,
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.who_saw", RecordType: "person", RecordID: p.ID, UnitID: p.UnitID})
	})
	return entries, err
}
