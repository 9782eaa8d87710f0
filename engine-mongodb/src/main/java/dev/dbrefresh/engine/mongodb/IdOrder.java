package dev.dbrefresh.engine.mongodb;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import org.bson.BsonType;
import org.bson.BsonValue;

/**
 * A total order of {@code _id} values in which values the server's {@code _id} index treats as equal compare as
 * 0: numbers compare by value whatever their type ({@code 1}, {@code 1L}, {@code 1.0} and {@code Decimal128("1")}
 * are one key), and types rank as in MongoDB's comparison order
 * (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/: MinKey, Null, Numbers, Symbol/String,
 * Object, Array, BinData, ObjectId, Boolean, Date, Timestamp, RegEx, MaxKey). Strings compare by UTF-16 code units
 * and ignore collations: the delta restore sorts both sides with this order itself, so only its consistency
 * matters, not agreement with the server's (collation-dependent) sort.
 */
final class IdOrder implements Comparator<BsonValue> {

    static final IdOrder INSTANCE = new IdOrder();

    private IdOrder() {
    }

    @Override
    public int compare(BsonValue a, BsonValue b) {
        int r = Integer.compare(rank(a.getBsonType()), rank(b.getBsonType()));
        if (r != 0) {
            return r;
        }
        switch (a.getBsonType()) {
            case MIN_KEY, MAX_KEY, NULL, UNDEFINED:
                return 0;
            case INT32, INT64, DOUBLE, DECIMAL128:
                return compareNumbers(a, b);
            case STRING, SYMBOL:
                return text(a).compareTo(text(b));
            case DOCUMENT:
                return compareDocuments(a.asDocument(), b.asDocument());
            case ARRAY:
                return compareIterators(a.asArray().iterator(), b.asArray().iterator());
            case BINARY:
                r = Integer.compare(a.asBinary().getData().length, b.asBinary().getData().length);
                r = r != 0 ? r : Byte.compare(a.asBinary().getType(), b.asBinary().getType());
                return r != 0 ? r : Arrays.compareUnsigned(a.asBinary().getData(), b.asBinary().getData());
            case OBJECT_ID:
                return a.asObjectId().getValue().compareTo(b.asObjectId().getValue());
            case BOOLEAN:
                return Boolean.compare(a.asBoolean().getValue(), b.asBoolean().getValue());
            case DATE_TIME:
                return Long.compare(a.asDateTime().getValue(), b.asDateTime().getValue());
            case TIMESTAMP:
                return a.asTimestamp().compareTo(b.asTimestamp());
            default:
                return a.toString().compareTo(b.toString());
        }
    }

    private static int rank(BsonType t) {
        return switch (t) {
            case MIN_KEY -> 1;
            case NULL, UNDEFINED -> 2;
            case INT32, INT64, DOUBLE, DECIMAL128 -> 3;
            case STRING, SYMBOL -> 4;
            case DOCUMENT -> 5;
            case ARRAY -> 6;
            case BINARY -> 7;
            case OBJECT_ID -> 8;
            case BOOLEAN -> 9;
            case DATE_TIME -> 10;
            case TIMESTAMP -> 11;
            case REGULAR_EXPRESSION -> 12;
            case MAX_KEY -> 100;
            default -> 50;
        };
    }

    private static String text(BsonValue v) {
        return v.isString() ? v.asString().getValue() : v.asSymbol().getSymbol();
    }

    private static int compareNumbers(BsonValue a, BsonValue b) {
        if ((a.isInt32() || a.isInt64()) && (b.isInt32() || b.isInt64())) {
            return Long.compare(a.asNumber().longValue(), b.asNumber().longValue());
        }
        BigDecimal x = decimal(a);
        BigDecimal y = decimal(b);
        if (x == null || y == null) {
            // NaN sorts before every number, as in MongoDB; two NaNs are one key.
            return x == null ? (y == null ? 0 : -1) : 1;
        }
        return x.compareTo(y);
    }

    /** @return the value, ±infinity as ±1e400 (beyond every double), NaN as {@code null} */
    private static BigDecimal decimal(BsonValue v) {
        if (v.isDecimal128()) {
            var d = v.asDecimal128().getValue();
            if (d.isNaN()) {
                return null;
            }
            return d.isInfinite() ? (d.isNegative() ? new BigDecimal("-1e400") : new BigDecimal("1e400")) : d.bigDecimalValue();
        }
        if (v.isDouble()) {
            double d = v.asDouble().getValue();
            if (Double.isNaN(d)) {
                return null;
            }
            return Double.isInfinite(d) ? (d < 0 ? new BigDecimal("-1e400") : new BigDecimal("1e400")) : new BigDecimal(d);
        }
        return BigDecimal.valueOf(v.asNumber().longValue());
    }

    private int compareDocuments(Map<String, BsonValue> a, Map<String, BsonValue> b) {
        Iterator<Map.Entry<String, BsonValue>> x = a.entrySet().iterator();
        Iterator<Map.Entry<String, BsonValue>> y = b.entrySet().iterator();
        while (x.hasNext() && y.hasNext()) {
            Map.Entry<String, BsonValue> p = x.next();
            Map.Entry<String, BsonValue> q = y.next();
            // MongoDB compares embedded documents pair by pair: the value's type, then the field name, then the value.
            int r = Integer.compare(rank(p.getValue().getBsonType()), rank(q.getValue().getBsonType()));
            r = r != 0 ? r : p.getKey().compareTo(q.getKey());
            r = r != 0 ? r : compare(p.getValue(), q.getValue());
            if (r != 0) {
                return r;
            }
        }
        return Boolean.compare(x.hasNext(), y.hasNext());
    }

    private int compareIterators(Iterator<BsonValue> x, Iterator<BsonValue> y) {
        while (x.hasNext() && y.hasNext()) {
            int r = compare(x.next(), y.next());
            if (r != 0) {
                return r;
            }
        }
        return Boolean.compare(x.hasNext(), y.hasNext());
    }
}
