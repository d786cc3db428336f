package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The directives capability's storage: this file holds directive versions
// and attachments; directive_assignment.go the assignments and the roll-up
// counters; directive_report.go reports and evidence.

// jsonText is the SQL that reads a JSON column as text: PostgreSQL keeps
// them as jsonb.
func (tx *Tx) jsonText(col string) string {
	if tx.postgres() {
		return col + "::text"
	}
	return col
}

func (tx *Tx) directiveSelect() string {
	return `SELECT d.id, d.series_id, d.version, COALESCE(d.parent_id, 0), d.root_id, d.issuer_unit_id, d.title, d.body, d.due_at,
		` + tx.jsonText("d.addressees") + `, ` + tx.jsonText("d.actions") + `, d.status, d.note, d.issued_at, COALESCE(d.issued_by, 0),
		d.issued_by_name, d.reminded_at, d.overdue_notice_at, u.path,
		EXISTS (SELECT 1 FROM attachments f WHERE f.owner_type = 'directive' AND f.owner_id = d.id)
	FROM directives d JOIN units u ON u.id = d.issuer_unit_id`
}

// scanDirective reads a row of directiveSelect, and whether the version
// has attachments.
func scanDirective(row interface{ Scan(...any) error }) (*kinbridge.Directive, bool, error) {
	var d kinbridge.Directive
	var addressees, actions string
	var attached bool
	err := row.Scan(&d.ID, &d.SeriesID, &d.Version, &d.ParentID, &d.RootID, &d.IssuerUnitID, &d.Title, &d.Body, scanTime{&d.DueAt},
		&addressees, &actions, &d.Status, &d.Note, scanTime{&d.IssuedAt}, &d.IssuedBy, &d.IssuedByName,
		scanTime{&d.RemindedAt}, scanTime{&d.OverdueNoticeAt}, &d.IssuerPath, &attached)
	if err != nil {
		return nil, false, err
	}
	if d.Addressees, err = decodeAddressees(addressees); err != nil {
		return nil, false, fmt.Errorf("directive %d addressees: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(actions), &d.Actions); err != nil {
		return nil, false, fmt.Errorf("directive %d actions: %w", d.ID, err)
	}
	if len(d.Actions) == 0 {
		d.Actions = nil
	}
	return &d, attached, nil
}

// CreateDirective stores a version and sets its ID. A first version is its
// own series (SeriesID = ID), and an original its own root (RootID = ID):
// both are known only after the insert, so the row is given them at once,
// in the same transaction.
func (tx *Tx) CreateDirective(ctx context.Context, d *kinbridge.Directive) error {
	addressees, err := encodeAddressees(d.Addressees)
	if err != nil {
		return fmt.Errorf("create directive: %w", err)
	}
	actions := []byte("[]")
	if len(d.Actions) > 0 {
		if actions, err = json.Marshal(d.Actions); err != nil {
			return fmt.Errorf("create directive: %w", err)
		}
	}
	if d.Version <= 1 {
		d.Version, d.SeriesID = 1, 0
		if d.ParentID == 0 {
			d.RootID = 0
		}
	}
	if d.Status == "" {
		d.Status = kinbridge.DirectiveIssued
	}
	if d.IssuedAt.IsZero() {
		d.IssuedAt = tx.now
	}
	d.DueAt, d.IssuedAt = micro(d.DueAt), micro(d.IssuedAt)
	err = tx.queryRow(ctx, `
		INSERT INTO directives (series_id, version, parent_id, root_id, issuer_unit_id, title, body, due_at, addressees, actions,
			status, note, issued_at, issued_by, issued_by_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.SeriesID, d.Version, nullID(d.ParentID), d.RootID, d.IssuerUnitID, d.Title, d.Body, d.DueAt, string(addressees), string(actions),
		string(d.Status), d.Note, d.IssuedAt, nullID(d.IssuedBy), d.IssuedByName,
	).Scan(&d.ID)
	if err != nil {
		return tx.store.mapError(err, "create directive", "directive")
	}
	if d.SeriesID == 0 || d.RootID == 0 {
		if d.SeriesID == 0 {
			d.SeriesID = d.ID
		}
		if d.RootID == 0 {
			d.RootID = d.ID
		}
		if err := tx.execOne(ctx, "directive", "create directive", "UPDATE directives SET series_id = ?, root_id = ? WHERE id = ?",
			d.SeriesID, d.RootID, d.ID); err != nil {
			return err
		}
	}
	if d.IssuerPath == "" {
		u, err := findUnitByID(ctx, tx, d.IssuerUnitID)
		if err != nil {
			return err
		}
		d.IssuerPath = u.Path
	}
	return nil
}

// SetDirectiveStatus marks a version superseded or withdrawn; a non-empty
// note (why it was withdrawn) replaces the version's note.
func (tx *Tx) SetDirectiveStatus(ctx context.Context, id int64, st kinbridge.DirectiveStatus, note string) error {
	return tx.execOne(ctx, "directive", "set directive status",
		"UPDATE directives SET status = ?, note = CASE WHEN ? = '' THEN note ELSE ? END WHERE id = ?",
		string(st), note, note, id)
}

// MarkDirectiveJobs writes the non-zero times of the jobs' reminder and
// overdue notice.
func (tx *Tx) MarkDirectiveJobs(ctx context.Context, id int64, remindedAt, overdueNoticeAt time.Time) error {
	return tx.execOne(ctx, "directive", "mark directive jobs",
		"UPDATE directives SET reminded_at = COALESCE(?, reminded_at), overdue_notice_at = COALESCE(?, overdue_notice_at) WHERE id = ?",
		nullTime(micro(remindedAt)), nullTime(micro(overdueNoticeAt)), id)
}

// FindDirectiveByID returns the version with its issuer's path and its
// attachments.
func (tx *Tx) FindDirectiveByID(ctx context.Context, id int64) (*kinbridge.Directive, error) {
	ds, err := tx.findDirectives(ctx, tx.directiveSelect()+" WHERE d.id = ?", id)
	if err != nil {
		return nil, err
	} else if len(ds) == 0 {
		return nil, notFound("directive")
	}
	return ds[0], nil
}

// FindDirectiveVersions returns every version of a series, oldest first.
func (tx *Tx) FindDirectiveVersions(ctx context.Context, seriesID int64) ([]*kinbridge.Directive, error) {
	ds, err := tx.findDirectives(ctx, tx.directiveSelect()+" WHERE d.series_id = ? ORDER BY d.version", seriesID)
	if err != nil {
		return nil, err
	} else if len(ds) == 0 {
		return nil, notFound("directive")
	}
	return ds, nil
}

// FindDirectives returns the latest version of each series f selects —
// the one in force, or the withdrawn one — newest first. The latest
// version of a series is its one version not superseded, which the partial
// indexes hold.
func (tx *Tx) FindDirectives(ctx context.Context, f kinbridge.DirectiveFilter) ([]*kinbridge.Directive, error) {
	where := []string{"d.status <> 'superseded'"}
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if f.IssuerUnitID != 0 {
		add("d.issuer_unit_id = ?", f.IssuerUnitID)
	}
	if f.AddressedTo != 0 {
		add("d.id IN (SELECT a.directive_id FROM assignments a WHERE a.unit_id = ? AND a.live)", f.AddressedTo)
	}
	if f.ParentID != 0 {
		add("d.parent_id = ?", f.ParentID)
	}
	if f.RootID != 0 {
		add("d.root_id = ?", f.RootID)
	}
	if f.Unreminded {
		add("d.status = 'issued' AND d.reminded_at IS NULL")
	}
	if f.OverdueUnnoticed {
		add("d.status = 'issued' AND d.overdue_notice_at IS NULL")
	}
	if !f.DueBefore.IsZero() {
		add("d.due_at < ?", f.DueBefore)
	}
	q := tx.directiveSelect() + whereClause(where) + " ORDER BY d.id DESC"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	return tx.findDirectives(ctx, q, args...)
}

// findDirectives runs a directive query and fills the attachments of the
// versions that have any with one more query (a roll-up, which reads
// directives twice, is a handful of round trips; most directives have
// none).
func (tx *Tx) findDirectives(ctx context.Context, q string, args ...any) ([]*kinbridge.Directive, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find directives", "directive")
	}
	ds := []*kinbridge.Directive{}
	var ids []int64
	for rows.Next() {
		d, attached, err := scanDirective(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find directives: %w", err)
		}
		ds = append(ds, d)
		if attached {
			ids = append(ids, d.ID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find directives", "directive")
	}
	if len(ids) == 0 {
		return ds, nil
	}
	atts, err := tx.findAttachments(ctx, "directive", ids)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		d.Attachments = atts[d.ID]
	}
	return ds, nil
}

// encodeAddressees writes a directive's addressees as JSON. A directive to
// every unit of a large tree names them all — 100,000 IDs, 700 kB of JSON,
// which every read of the directive (a roll-up reads it twice) would move
// and parse — so a long ascending list is kept as the ranges of
// consecutive IDs it is made of ({"unit_ranges":[[first,last],…]}), which
// for the units of a subtree, created together, are few.
func encodeAddressees(ad kinbridge.Addressees) ([]byte, error) {
	if len(ad.UnitIDs) <= 64 || !slices.IsSorted(ad.UnitIDs) {
		return json.Marshal(ad)
	}
	var ranges [][2]int64
	for _, id := range ad.UnitIDs {
		if n := len(ranges); n > 0 && ranges[n-1][1] == id-1 {
			ranges[n-1][1] = id
		} else if n == 0 || ranges[n-1][1] != id {
			ranges = append(ranges, [2]int64{id, id})
		}
	}
	return json.Marshal(struct {
		UnitRanges [][2]int64 `json:"unit_ranges"`
		Depth      int        `json:"depth,omitempty"`
	}{ranges, ad.Depth})
}

// decodeAddressees reads a directive's addressees. The shapes the store
// writes ({"unit_ids":[…]}, {"unit_ranges":[[a,b],…]}, {"depth":n}, {},
// with any white space) are read by hand — encoding/json takes some 20 ms
// for 100,000 IDs — and anything else by encoding/json.
func decodeAddressees(s string) (kinbridge.Addressees, error) {
	if ad, ok := scanAddressees(s); ok {
		return ad, nil
	}
	var ad kinbridge.Addressees
	err := json.Unmarshal([]byte(s), &ad)
	return ad, err
}

func scanAddressees(s string) (ad kinbridge.Addressees, ok bool) {
	i := 0
	space := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
			i++
		}
	}
	next := func(c byte) bool {
		space()
		if i < len(s) && s[i] == c {
			i++
			return true
		}
		return false
	}
	number := func() (int64, bool) {
		space()
		j := i
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '-' && i == j) {
			i++
		}
		n, err := strconv.ParseInt(s[j:i], 10, 64)
		return n, err == nil
	}
	end := func() bool { space(); return i == len(s) }
	if !next('{') {
		return ad, false
	}
	if next('}') {
		return ad, end()
	}
	for {
		space()
		switch {
		case strings.HasPrefix(s[i:], `"unit_ids"`):
			i += len(`"unit_ids"`)
			if !next(':') || !next('[') {
				return ad, false
			}
			if !next(']') {
				ad.UnitIDs = make([]int64, 0, strings.Count(s[i:], ",")+1)
				for {
					n, ok := number()
					if !ok {
						return ad, false
					}
					ad.UnitIDs = append(ad.UnitIDs, n)
					if next(']') {
						break
					} else if !next(',') {
						return ad, false
					}
				}
			}
		case strings.HasPrefix(s[i:], `"unit_ranges"`):
			i += len(`"unit_ranges"`)
			if !next(':') || !next('[') {
				return ad, false
			}
			if !next(']') {
				for {
					if !next('[') {
						return ad, false
					}
					first, ok := number()
					if !ok || !next(',') {
						return ad, false
					}
					last, ok := number()
					if !ok || !next(']') || last < first || last-first > 1<<24 {
						return ad, false
					}
					for id := first; id <= last; id++ {
						ad.UnitIDs = append(ad.UnitIDs, id)
					}
					if next(']') {
						break
					} else if !next(',') {
						return ad, false
					}
				}
			}
		case strings.HasPrefix(s[i:], `"depth"`):
			i += len(`"depth"`)
			if !next(':') {
				return ad, false
			}
			n, ok := number()
			if !ok {
				return ad, false
			}
			ad.Depth = int(n)
		default:
			return ad, false
		}
		if next('}') {
			return ad, end()
		} else if !next(',') {
			return ad, false
		}
	}
}

const attachmentColumns = "id, owner_type, owner_id, name, content_type, size, sha256, key, created"

func scanAttachment(row interface{ Scan(...any) error }) (*kinbridge.Attachment, error) {
	var a kinbridge.Attachment
	if err := row.Scan(&a.ID, &a.OwnerType, &a.OwnerID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Key, scanTime{&a.Created}); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateAttachment stores the attachment's record and sets its ID.
func (tx *Tx) CreateAttachment(ctx context.Context, a *kinbridge.Attachment) error {
	if a.Created.IsZero() {
		a.Created = tx.now
	}
	a.Created = micro(a.Created)
	err := tx.queryRow(ctx, `
		INSERT INTO attachments (owner_type, owner_id, name, content_type, size, sha256, key, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.OwnerType, a.OwnerID, a.Name, a.ContentType, a.Size, a.SHA256, a.Key, a.Created).Scan(&a.ID)
	return tx.store.mapError(err, "create attachment", "attachment")
}

// FindAttachmentByID returns an attachment's record.
func (tx *Tx) FindAttachmentByID(ctx context.Context, id int64) (*kinbridge.Attachment, error) {
	a, err := scanAttachment(tx.queryRow(ctx, "SELECT "+attachmentColumns+" FROM attachments WHERE id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find attachment", "attachment")
	}
	return a, nil
}

// findAttachments returns the attachments of the owners, by owner, in the
// order they were attached.
func (tx *Tx) findAttachments(ctx context.Context, ownerType string, ownerIDs []int64) (map[int64][]*kinbridge.Attachment, error) {
	out := map[int64][]*kinbridge.Attachment{}
	for start := 0; start < len(ownerIDs); start += 512 {
		in, inArgs := placeholders(ownerIDs[start:min(start+512, len(ownerIDs))])
		rows, err := tx.query(ctx, "SELECT "+attachmentColumns+" FROM attachments WHERE owner_type = ? AND owner_id IN ("+in+") ORDER BY owner_id, id",
			append([]any{ownerType}, inArgs...)...)
		if err != nil {
			return nil, tx.store.mapError(err, "find attachments", "attachment")
		}
		for rows.Next() {
			a, err := scanAttachment(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("find attachments: %w", err)
			}
			out[a.OwnerID] = append(out[a.OwnerID], a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, tx.store.mapError(err, "find attachments", "attachment")
		}
	}
	return out, nil
}
