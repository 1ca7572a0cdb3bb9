package pdfdoc

import (
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pageXObjects returns a copy of a page's /XObject resources, for a drawing to add its forms to.
func pageXObjects(d *document, p *page) types.Dict {
	xobjs := types.Dict{}
	if p.resources != nil {
		if xd, _ := d.resolveDict(p.resources["XObject"]); xd != nil {
			for k, v := range xd {
				xobjs[k] = v
			}
		}
	}
	return xobjs
}

// rewritePage writes page p again in update u (same object number): its content wrapped between
// pre ("q") and post ("Q" and the drawing), xobjs as its /XObject resources, and the inherited
// attributes written on the page itself, so that the new page does not depend on the page tree
// for what it looks like. name says which page, for errors ("page 1").
func rewritePage(d *document, u *update, p *page, pre, post types.IndirectRef, xobjs types.Dict, name string) error {
	contents := types.Array{pre}
	if c, ok := p.dict["Contents"]; ok {
		co, err := d.resolve(c)
		if err != nil {
			return damagedf(err, "%s's content cannot be read", name)
		}
		switch v := co.(type) {
		case types.StreamDict:
			contents = append(contents, c)
		case types.Array:
			for _, e := range v {
				if r, ok := e.(types.IndirectRef); ok {
					contents = append(contents, r)
				}
			}
		case nil:
		default:
			return damagedf(nil, "%s's /Contents is not a stream", name)
		}
	}
	contents = append(contents, post)

	res := types.Dict{}
	for k, v := range p.resources {
		res[k] = v
	}
	res["XObject"] = xobjs
	nd := types.Dict{}
	for k, v := range p.dict {
		nd[k] = v
	}
	nd["Type"] = types.Name("Page")
	nd["Contents"] = contents
	nd["Resources"] = res
	nd["MediaBox"] = rectArray(p.mediaBox)
	if p.cropBox != nil {
		nd["CropBox"] = rectArray(*p.cropBox)
	}
	if p.rotate != 0 || nd["Rotate"] != nil {
		nd["Rotate"] = types.Integer(p.rotate)
	}
	u.set(p.num, p.gen, objBytes(nd))
	return nil
}

func pageName(n int) string { return fmt.Sprintf("page %d", n) }
