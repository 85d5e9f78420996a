// The syntax of the Cairn language. See docs/language.md.
//
// The driver (lang/parse/parser.cc) calls `next` once per top-level
// statement so that memory stays bounded by the largest statement; `file`
// states the whole language for readers and tools.
parser grammar CairnParser;

options {
  tokenVocab = CairnLexer;
  superClass = CairnParserBase;
}

@header {
#include "lang/parse/parser_base.h"
}

file: (stmt COMMA?)* EOF;

next: stmt COMMA? | EOF;

stmt
  : importStmt
  | paramStmt
  | letStmt
  | roleStmt
  | useStmt
  | forStmt
  | ifStmt
  | ruleStmt
  | attrStmt
  | blockStmt
  ;

importStmt: IMPORT string (AS name)?;

paramStmt: PARAM name (COLON type)? (ASSIGN expr)?;

letStmt: LET name (COLON type)? ASSIGN expr;

roleStmt: ROLE name (LPAREN (roleParam (COMMA roleParam)* COMMA?)? RPAREN)? body;

roleParam: name (COLON type)? (ASSIGN expr)?;

useStmt: USE expr;

forStmt: FOR name (COMMA name)? IN expr body;

ifStmt: IF expr body (ELSE (ifStmt | body))?;

// allow tcp [22, 80] from any to "10.0.0.1"
ruleStmt: action=(ALLOW | DENY | REJECT) name ports? (FROM expr)? (TO expr)?;

// Ports stand on the rule's line: a number, a range string, a list, a name
// (web_ports, vars.ports) or a parenthesized expression.
ports: {SameLine()}? (INT | string | list | IDENT (DOT name)* | LPAREN expr RPAREN);

attrStmt: name ASSIGN expr;

// kind label* { ... }: host "web1" { }, record "www" CNAME { }, firewall { }
blockStmt: name label* body;

// Labels stand on the line of the block's type, so that a statement missing
// its body cannot swallow the next line's words as labels.
label: {SameLine()}? (string | IDENT (DOT name)* | LPAREN expr RPAREN);

body: LBRACE (stmt COMMA?)* RBRACE;

type: name (LPAREN type (COMMA type)* RPAREN)?;

expr
  : primary                                           # primaryExpr
  | expr DOT name                                     # memberExpr
  | expr LBRACKET expr RBRACKET                       # indexExpr
  | expr LPAREN (arg (COMMA arg)* COMMA?)? RPAREN     # callExpr
  | op=(NOT | MINUS) expr                             # unaryExpr
  | expr op=(STAR | SLASH | PERCENT) expr             # binaryExpr
  | expr op=(PLUS | MINUS) expr                       # binaryExpr
  | expr op=(LT | LE | GT | GE) expr                  # binaryExpr
  | expr op=(EQ | NE) expr                            # binaryExpr
  | expr op=IN expr                                   # binaryExpr
  | expr op=AND expr                                  # binaryExpr
  | expr op=OR expr                                   # binaryExpr
  | <assoc = right> expr QUESTION expr COLON expr     # condExpr
  ;

arg: (name ASSIGN)? expr;

primary
  : INT
  | FLOAT
  | string
  | TRUE
  | FALSE
  | NULL_
  | IDENT
  | list
  | comprehension
  | map
  | LPAREN expr RPAREN
  ;

list: LBRACKET (expr (COMMA expr)* COMMA?)? RBRACKET;

comprehension: LBRACKET FOR name (COMMA name)? IN expr COLON expr (IF expr)? RBRACKET;

map: LBRACE (entry COMMA?)* RBRACE;

entry: (name | string) COLON expr;

string
  : STRING_OPEN stringPart* STRING_CLOSE
  | TRIPLE_OPEN stringPart* TRIPLE_CLOSE
  ;

stringPart: STRING_TEXT | STRING_ESCAPE | INTERP_OPEN expr? RBRACE;

name: IDENT | AS | FROM | TO | ALLOW | DENY | REJECT;
