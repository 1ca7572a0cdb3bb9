package org

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// Marshal writes a file in the format Parse reads: what is optional and at its default is left
// out (short_name, parent, owner_code, email, active: true, clearance: normal, head: false, the
// default role, central: false, series [normal]), so that an exported organisation reads like
// one written by hand. Parse(Marshal(f)) gives f back (with the defaults applied).
func Marshal(f *File) ([]byte, error) {
	type unit struct {
		Code      string `yaml:"code"`
		Parent    string `yaml:"parent,omitempty"`
		Name      string `yaml:"name"`
		ShortName string `yaml:"short_name,omitempty"`
		OwnerCode string `yaml:"owner_code,omitempty"`
	}
	type position struct {
		Unit  string `yaml:"unit"`
		Title string `yaml:"title"`
		Head  bool   `yaml:"head,omitempty"`
		Role  string `yaml:"role,omitempty"`
	}
	type person struct {
		ID        string     `yaml:"id"`
		Name      string     `yaml:"name"`
		Email     string     `yaml:"email,omitempty"`
		Active    *bool      `yaml:"active,omitempty"`
		Clearance string     `yaml:"clearance,omitempty"`
		Positions []position `yaml:"positions,omitempty"`
	}
	type register struct {
		Code    string   `yaml:"code"`
		Unit    string   `yaml:"unit"`
		Kind    string   `yaml:"kind"`
		Name    string   `yaml:"name"`
		Central bool     `yaml:"central,omitempty"`
		Series  []string `yaml:"series,omitempty,flow"`
	}
	type file struct {
		Agency    Agency     `yaml:"agency"`
		Units     []unit     `yaml:"units"`
		People    []person   `yaml:"people"`
		Registers []register `yaml:"registers"`
	}
	out := file{Agency: f.Agency, Units: []unit{}, People: []person{}, Registers: []register{}}
	for _, u := range f.Units {
		out.Units = append(out.Units, unit{Code: u.Code, Parent: u.Parent, Name: u.Name, ShortName: u.ShortName, OwnerCode: u.OwnerCode})
	}
	no := false
	for _, p := range f.People {
		q := person{ID: p.ID, Name: p.Name, Email: p.Email, Positions: []position{}}
		if !p.IsActive() {
			q.Active = &no
		}
		if c := p.EffectiveClearance(); c != "normal" {
			q.Clearance = c
		}
		for _, pos := range p.Positions {
			role := pos.EffectiveRole()
			if role == (Position{Head: pos.Head}).EffectiveRole() {
				role = "" // the default for the head flag
			}
			q.Positions = append(q.Positions, position{Unit: pos.Unit, Title: pos.Title, Head: pos.Head, Role: role})
		}
		out.People = append(out.People, q)
	}
	for _, r := range f.Registers {
		series := r.EffectiveSeries()
		if len(series) == 1 && series[0] == DefaultSeries[0] {
			series = nil
		}
		out.Registers = append(out.Registers, register{Code: r.Code, Unit: r.Unit, Kind: r.Kind, Name: r.Name, Central: r.Central, Series: series})
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
