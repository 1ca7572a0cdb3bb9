package thai_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/saraban/saraban/thai"
)

func ExampleParseDate() {
	d, err := thai.ParseDate("๗ ต.ค. ๒๕๖๗")
	fmt.Println(d, d.BE(), err)

	_, err = thai.ParseDate("วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒")
	var wm *thai.WeekdayMismatchError
	if errors.As(err, &wm) {
		fmt.Println("really a", wm.Actual)
	}
	// Output:
	// 2024-10-07 2567 <nil>
	// really a Saturday
}

func ExampleParseDateTime() {
	t, _ := thai.ParseDateTime("๙ ต.ค. ๒๕๖๗ เวลา ๑๑.๕๖ น.")
	fmt.Println(t.UTC().Format(time.RFC3339))
	// Output: 2024-10-09T04:56:00Z
}

func ExampleFormatDate() {
	d := thai.Date{Year: 2024, Month: time.October, Day: 9}
	fmt.Println(thai.FormatDate(d, thai.DateStyle{}))
	fmt.Println(thai.FormatDate(d, thai.DateStyle{Digits: thai.ArabicDigits, Abbrev: true}))
	// Output:
	// ๙ ตุลาคม ๒๕๖๗
	// 9 ต.ค. 2567
}

func ExampleBEYear() {
	fmt.Println(thai.BEYear(time.Date(2024, 12, 31, 16, 59, 59, 0, time.UTC)))
	fmt.Println(thai.BEYear(time.Date(2024, 12, 31, 17, 0, 0, 0, time.UTC)))
	// Output:
	// 2567
	// 2568
}
