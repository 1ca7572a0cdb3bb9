package domain_test

import (
	"fmt"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/thai"
)

func ExampleParseDocNumber() {
	n, err := domain.ParseDocNumber("สข ๐๐๑๗.๒/ว๗๕๗๗")
	fmt.Println(n.Canonical(), n.Circular(), err)
	fmt.Println(n.Format(thai.ThaiDigits))

	cited, _ := domain.ParseDocNumber("ที่ สข 0017.2/ว 7577")
	fmt.Println(n.Equal(cited))
	// Output:
	// สข 0017.2/ว 7577 true <nil>
	// ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗
	// true
}
