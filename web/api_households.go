package web

import (
	"net/http"
	"time"

	"github.com/kinbridge/kinbridge"
)

type jsonHousehold struct {
	ID        int64     `json:"id"`
	UnitID    int64     `json:"unit_id"`
	Address   string    `json:"address"`
	Phone     string    `json:"phone"`
	Languages []string  `json:"languages"`
	Notes     string    `json:"notes"`
	Members   int       `json:"members"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

func toJSONHousehold(h *kinbridge.Household) jsonHousehold {
	langs := h.Languages
	if langs == nil {
		langs = []string{}
	}
	return jsonHousehold{ID: h.ID, UnitID: h.UnitID, Address: h.Address, Phone: h.Phone, Languages: langs, Notes: h.Notes,
		Members: h.Members, Created: h.Created, Updated: h.Updated}
}

// jsonHouseholdRecord is a household with everything its page shows.
type jsonHouseholdRecord struct {
	Household jsonHousehold     `json:"household"`
	Unit      jsonUnit          `json:"unit"`
	Members   []jsonPerson      `json:"members"`
	Relatives []jsonPerson      `json:"relatives"`
	Links     []jsonLink        `json:"links"`
	Events    []jsonStatusEvent `json:"events"`
	Former    []jsonPerson      `json:"former_members"`
}

// householdInput is the body of POST and PATCH; in a PATCH, fields not
// given are kept.
type householdInput struct {
	UnitID    *int64    `json:"unit_id"`
	Address   *string   `json:"address"`
	Phone     *string   `json:"phone"`
	Languages *[]string `json:"languages"`
	Notes     *string   `json:"notes"`
}

func (in householdInput) apply(h *kinbridge.Household) {
	if in.UnitID != nil {
		h.UnitID = *in.UnitID
	}
	for _, f := range []struct{ from, to *string }{{in.Address, &h.Address}, {in.Phone, &h.Phone}, {in.Notes, &h.Notes}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if in.Languages != nil {
		h.Languages = *in.Languages
	}
}

// apiListHouseholds is GET /api/v1/households: the households of the
// caller's scope, a page at a time (limit, offset), narrowed by unit_id
// (with its subtree), programme_id and status.
func (s *Server) apiListHouseholds(w http.ResponseWriter, r *http.Request) {
	f := kinbridge.HouseholdFilter{Status: kinbridge.PersonStatus(r.URL.Query().Get("status"))}
	var limit, offset int64
	var err error
	for _, p := range []struct {
		name string
		to   *int64
	}{{"unit_id", &f.UnitID}, {"programme_id", &f.ProgrammeID}, {"limit", &limit}, {"offset", &offset}} {
		if err == nil {
			*p.to, err = queryInt(r, p.name)
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Limit, f.Offset = int(limit), int(offset)
	hs, total, err := s.svc.FindHouseholds(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonHousehold, len(hs))
	for i, h := range hs {
		out[i] = toJSONHousehold(h)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"households": out, "total": total})
}

// apiCreateHousehold is POST /api/v1/households.
func (s *Server) apiCreateHousehold(w http.ResponseWriter, r *http.Request) {
	var in householdInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	h := &kinbridge.Household{}
	in.apply(h)
	if err := s.svc.CreateHousehold(r.Context(), h); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONHousehold(h))
}

// apiGetHousehold is GET /api/v1/households/{id}: the household with its
// members, relatives abroad, their links and the status history. The
// service audits the read.
func (s *Server) apiGetHousehold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var rec *kinbridge.HouseholdRecord
	if err == nil {
		rec, err = s.svc.FindHouseholdByID(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := jsonHouseholdRecord{Household: toJSONHousehold(rec.Household), Unit: toJSONUnit(rec.Unit),
		Members: toJSONPersons(rec.Members), Relatives: toJSONPersons(rec.Relatives), Links: toJSONLinks(rec.Links),
		Events: toJSONEvents(rec.Events), Former: toJSONPersons(rec.Former)}
	s.writeJSON(w, r, http.StatusOK, out)
}

// apiUpdateHousehold is PATCH /api/v1/households/{id}.
func (s *Server) apiUpdateHousehold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in householdInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	// The current values come through the service, so a household out of
	// scope is "not found" before anything else is said.
	rec, err := s.svc.FindHouseholdByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h := rec.Household
	in.apply(h)
	if err := s.svc.UpdateHousehold(r.Context(), h); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONHousehold(h))
}
