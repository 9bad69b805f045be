package keys

// metaField reads an object of strings, or null, as an import line's
// "meta": the key's labels, checked like --meta.
func (sc *scanner) metaField(name string, dst *MetaChange) error {
	if sc.null() {
		return nil
	}
	bad := lineError("field %q must be an object of strings", name)
	if !sc.eat('{') {
		return bad
	}
	m := Meta{}
	sc.ws()
	if !sc.eat('}') {
		for {
			sc.ws()
			k, ok := sc.str()
			if !ok {
				return bad
			}
			sc.ws()
			if !sc.eat(':') {
				return bad
			}
			sc.ws()
			v, ok := sc.str()
			if !ok {
				return bad
			}
			if _, dup := m[k]; dup {
				return lineError("label %q is given twice", clip(k))
			}
			m[k] = v
			sc.ws()
			if sc.eat('}') {
				break
			}
			if !sc.eat(',') {
				return bad
			}
		}
	}
	if err := m.Validate(); err != nil {
		return prefixed("meta: ", err)
	}
	*dst = MetaChange{Set: true, Meta: m}
	return nil
}
