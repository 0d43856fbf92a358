package io.weir.engine.query.promql;

/** Lexical token kinds. Keywords are plain {@link #IDENTIFIER}s; the parser recognises them by context. */
enum TokenType {
    IDENTIFIER, NUMBER, DURATION, STRING,
    LEFT_PAREN("'('"), RIGHT_PAREN("')'"), LEFT_BRACE("'{'"), RIGHT_BRACE("'}'"),
    LEFT_BRACKET("'['"), RIGHT_BRACKET("']'"), COMMA("','"), COLON("':'"), AT("'@'"),
    ADD("'+'"), SUB("'-'"), MUL("'*'"), DIV("'/'"), MOD("'%'"), POW("'^'"),
    EQLC("'=='"), NEQ("'!='"), LTE("'<='"), LSS("'<'"), GTE("'>='"), GTR("'>'"),
    EQL("'='"), EQL_REGEX("'=~'"), NEQ_REGEX("'!~'"),
    EOF("end of input");

    private final String description;

    TokenType() { this.description = null; }

    TokenType(String description) { this.description = description; }

    String description() { return description; }
}
