package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

type homePage struct {
	Unit     *kinbridge.Unit
	UnitName string
}

// showHome is GET /: who the caller is and where they work.
func (s *Server) showHome(w http.ResponseWriter, r *http.Request) {
	a := kinbridge.ActorFromContext(r.Context())
	unit, err := s.svc.FindUnitByID(r.Context(), a.UnitID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "home.title")
	v.Loc = unit.Location()
	v.Data = homePage{Unit: unit, UnitName: unit.Names.In(v.lang)}
	s.render(w, r, http.StatusOK, "home", v)
}
