// The tokens of the Cairn language. See docs/language.md.
//
// Newlines are not significant: no statement can begin with a token that
// could continue the expression before it, so statements need no separator.
// Strings are lexed in modes so that ${...} can hold any expression,
// including strings and maps; every '{' pushes a mode and every '}' pops
// one, so the '}' that closes an interpolation returns to the string.
lexer grammar CairnLexer;

options {
  superClass = CairnLexerBase;
}

@header {
#include "lang/parse/lexer_base.h"
}

// Keywords. `name` in the parser accepts the ones that can also name an
// attribute (as, from, to, allow, deny, reject).
IMPORT: 'import';
AS: 'as';
PARAM: 'param';
LET: 'let';
ROLE: 'role';
USE: 'use';
FOR: 'for';
IN: 'in';
IF: 'if';
ELSE: 'else';
TRUE: 'true';
FALSE: 'false';
NULL_: 'null';
ALLOW: 'allow';
DENY: 'deny';
REJECT: 'reject';
FROM: 'from';
TO: 'to';

LBRACE: '{' -> pushMode(DEFAULT_MODE);
RBRACE: '}' -> popMode;
LBRACKET: '[';
RBRACKET: ']';
LPAREN: '(';
RPAREN: ')';
COMMA: ',';
COLON: ':';
DOT: '.';
QUESTION: '?';
EQ: '==';
NE: '!=';
LE: '<=';
GE: '>=';
LT: '<';
GT: '>';
AND: '&&';
OR: '||';
NOT: '!';
ASSIGN: '=';
PLUS: '+';
MINUS: '-';
STAR: '*';
SLASH: '/';
PERCENT: '%';

FLOAT: DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT;
INT: DIGITS | '0x' [0-9a-fA-F_]+ | '0o' [0-7_]+;
fragment DIGITS: [0-9] [0-9_]*;
fragment EXPONENT: [eE] [+-]? [0-9]+;

// A digit run glued to letters (0b101, 12ab, 0o9) is one malformed number;
// the token filter reports it and reads it as 0. INT and FLOAT win ties.
BAD_NUMBER: [0-9] [0-9a-zA-Z_]*;

IDENT: [a-zA-Z_] [a-zA-Z0-9_]*;

TRIPLE_OPEN: '"""' -> pushMode(TRIPLE);
STRING_OPEN: '"' -> pushMode(STRING);

COMMENT: '#' ~[\r\n]* -> channel(HIDDEN);
WS: [ \t\r\n\f]+ -> skip;
// A single-quoted string is a mistake; the token filter reports it once and
// reads it as the double-quoted string that was meant.
SINGLE_QUOTED: '\'' ~['\r\n]* '\'';
// Anything else is reported once, by the token filter, and dropped.
ERROR_CHAR: .;

mode STRING;
STRING_CLOSE: '"' -> popMode;
STRING_TEXT: ~["\\$\r\n]+;
STRING_ESCAPE: '\\' ~[\r\n]?;
STRING_DOLLAR: '$' -> type(STRING_TEXT);
INTERP_OPEN: '${' -> pushMode(DEFAULT_MODE);
// A newline ends an unterminated string; the token filter reports it.
STRING_NEWLINE: [\r\n] -> popMode;

mode TRIPLE;
TRIPLE_CLOSE: '"""' -> popMode;
TRIPLE_TEXT: ~["\\$]+ -> type(STRING_TEXT);
TRIPLE_QUOTE: '"' -> type(STRING_TEXT);
TRIPLE_ESCAPE: '\\' .? -> type(STRING_ESCAPE);
TRIPLE_DOLLAR: '$' -> type(STRING_TEXT);
TRIPLE_INTERP: '${' -> type(INTERP_OPEN), pushMode(DEFAULT_MODE);
