package org

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestMarshalRoundTrips(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "demo", "agency.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	no := false
	f.People[0].Active = &no // an inactive person keeps active: false
	out, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(out)
	if err != nil {
		t.Fatalf("the marshalled file does not parse: %v\n%s", err, out)
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("the marshalled file is not valid: %v", err)
	}
	clearLines(f)
	clearLines(g)
	for i := range f.Registers {
		f.Registers[i].Series = f.Registers[i].EffectiveSeries()
		g.Registers[i].Series = g.Registers[i].EffectiveSeries()
	}
	for i := range f.People {
		for j := range f.People[i].Positions {
			f.People[i].Positions[j].Role = f.People[i].Positions[j].EffectiveRole()
			g.People[i].Positions[j].Role = g.People[i].Positions[j].EffectiveRole()
		}
		if f.People[i].IsActive() {
			f.People[i].Active = nil
		}
		f.People[i].Clearance = f.People[i].EffectiveClearance()
		g.People[i].Clearance = g.People[i].EffectiveClearance()
	}
	if !reflect.DeepEqual(f, g) {
		t.Errorf("round trip changed the file:\n%s", out)
	}
}

func clearLines(f *File) {
	for i := range f.Units {
		f.Units[i].Line = 0
	}
	for i := range f.People {
		f.People[i].Line = 0
		for j := range f.People[i].Positions {
			f.People[i].Positions[j].Line = 0
		}
	}
	for i := range f.Registers {
		f.Registers[i].Line = 0
	}
}
