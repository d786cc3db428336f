package sqlstore

import (
	"context"
	"fmt"

	"github.com/kinbridge/kinbridge"
)

const programmeColumns = `id, code, name_en, name_ko, name_zh, description, settings, created, updated`

func scanProgramme(row interface{ Scan(...any) error }) (*kinbridge.Programme, error) {
	var p kinbridge.Programme
	err := row.Scan(&p.ID, &p.Code, &p.Names.EN, &p.Names.KO, &p.Names.ZH, &p.Description, &p.Settings,
		scanTime{&p.Created}, scanTime{&p.Updated})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// FindProgrammes returns every programme, by code.
func (tx *Tx) FindProgrammes(ctx context.Context) ([]*kinbridge.Programme, error) {
	rows, err := tx.query(ctx, "SELECT "+programmeColumns+" FROM programmes ORDER BY code")
	if err != nil {
		return nil, tx.store.mapError(err, "find programmes", "programme")
	}
	defer rows.Close()
	ps := []*kinbridge.Programme{}
	for rows.Next() {
		p, err := scanProgramme(rows)
		if err != nil {
			return nil, fmt.Errorf("find programmes: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find programmes", "programme")
	}
	return ps, nil
}

// FindProgrammeByID returns the programme with the given ID.
func (tx *Tx) FindProgrammeByID(ctx context.Context, id int64) (*kinbridge.Programme, error) {
	p, err := scanProgramme(tx.queryRow(ctx, "SELECT "+programmeColumns+" FROM programmes WHERE id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find programme", "programme")
	}
	return p, nil
}

// CreateProgramme inserts the programme and sets its ID and times; a code
// taken (in any case) is ECONFLICT.
func (tx *Tx) CreateProgramme(ctx context.Context, p *kinbridge.Programme) error {
	err := tx.queryRow(ctx, `
		INSERT INTO programmes (code, name_en, name_ko, name_zh, description, settings, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Code, p.Names.EN, p.Names.KO, p.Names.ZH, p.Description, settingsOrEmpty(p.Settings), tx.now, tx.now,
	).Scan(&p.ID)
	if err != nil {
		return tx.store.mapError(err, "create programme", "programme")
	}
	p.Created, p.Updated = tx.now, tx.now
	return nil
}

// UpdateProgramme stores the programme's code, names, description and
// settings.
func (tx *Tx) UpdateProgramme(ctx context.Context, p *kinbridge.Programme) error {
	err := tx.execOne(ctx, "programme", "update programme", `
		UPDATE programmes SET code = ?, name_en = ?, name_ko = ?, name_zh = ?, description = ?, settings = ?, updated = ?
		WHERE id = ?`,
		p.Code, p.Names.EN, p.Names.KO, p.Names.ZH, p.Description, settingsOrEmpty(p.Settings), tx.now, p.ID)
	if err != nil {
		return err
	}
	p.Updated = tx.now
	return nil
}

func settingsOrEmpty(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}
