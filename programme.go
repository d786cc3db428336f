package kinbridge

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Programme is a population of concern and its policy: who is looked after,
// and (in later capabilities) the call policy and departure priority that
// apply to them. A person may belong to several programmes. Programmes are
// agency-wide: every role sees them, administrators manage them.
type Programme struct {
	ID          int64
	Code        string    // short unique code used in imports, e.g. "P1"
	Names       UnitNames // name in each UI language
	Description string
	// Settings holds each later capability's settings as a JSON object, so
	// that a capability can add its own without a migration of this table.
	Settings string
	Created  time.Time
	Updated  time.Time
}

var programmeCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// Validate checks the fields a user sets.
func (p *Programme) Validate() error {
	p.Code = strings.TrimSpace(p.Code)
	p.Names.EN, p.Names.KO, p.Names.ZH = strings.TrimSpace(p.Names.EN), strings.TrimSpace(p.Names.KO), strings.TrimSpace(p.Names.ZH)
	p.Description = strings.TrimSpace(p.Description)
	if !programmeCodeRE.MatchString(p.Code) {
		return FieldError("code", "error.programme.code", "1 to 32 letters, digits, dot, dash or underscore.")
	}
	if p.Names.EN == "" && p.Names.KO == "" && p.Names.ZH == "" {
		return FieldError("name_en", "error.programme.name_required", "Give the programme a name in at least one language.")
	}
	if len([]rune(p.Description)) > 4000 {
		return FieldError("description", "error.too_long", "At most %d characters.", 4000)
	}
	if p.Settings == "" {
		p.Settings = "{}"
	}
	return nil
}

// FindProgrammes returns every programme, by code.
func (s *Service) FindProgrammes(ctx context.Context) ([]*Programme, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionProgrammeView); err != nil {
		return nil, err
	}
	var ps []*Programme
	err = s.store.View(ctx, func(tx Tx) error {
		ps, err = tx.FindProgrammes(ctx)
		return err
	})
	return ps, err
}

// FindProgrammeByID returns one programme.
func (s *Service) FindProgrammeByID(ctx context.Context, id int64) (*Programme, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionProgrammeView); err != nil {
		return nil, err
	}
	var p *Programme
	err = s.store.View(ctx, func(tx Tx) error {
		p, err = tx.FindProgrammeByID(ctx, id)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("programme")
	}
	return p, err
}

// CreateProgramme adds a programme.
func (s *Service) CreateProgramme(ctx context.Context, p *Programme) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := authorizeAction(a, ActionProgrammeManage); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateProgramme(ctx, p); ErrorCode(err) == ECONFLICT {
			return FieldError("code", "error.programme.code_taken", "Another programme has this code.")
		} else if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "programme.create", RecordType: "programme", RecordID: p.ID,
			Detail: map[string]any{"code": p.Code, "name_en": p.Names.EN}})
	})
}

// UpdateProgramme changes a programme's code, names, description or settings.
func (s *Service) UpdateProgramme(ctx context.Context, p *Programme) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := authorizeAction(a, ActionProgrammeManage); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.FindProgrammeByID(ctx, p.ID); ErrorCode(err) == ENOTFOUND {
			return notFound("programme")
		} else if err != nil {
			return err
		}
		if err := tx.UpdateProgramme(ctx, p); ErrorCode(err) == ECONFLICT {
			return FieldError("code", "error.programme.code_taken", "Another programme has this code.")
		} else if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "programme.update", RecordType: "programme", RecordID: p.ID,
			Detail: map[string]any{"code": p.Code, "name_en": p.Names.EN}})
	})
}
