/** @odoo-module */
import {Component, onMounted, onWillUnmount, useRef, useState} from "@odoo/owl";

// Rows drawn above and below the visible ones, so that a quick flick does
// not show blank space before the next frame.
const OVERSCAN = 6;

/** The offsets of rows of the given heights: [0, h0, h0 + h1, ...]. */
export function rowOffsets(heights) {
    const offsets = new Array(heights.length + 1);
    offsets[0] = 0;
    for (let i = 0; i < heights.length; i++) {
        offsets[i + 1] = offsets[i] + heights[i];
    }
    return offsets;
}

/** The first row (index) whose bottom is below `top` (binary search). */
export function firstVisible(offsets, top) {
    let low = 0;
    let high = offsets.length - 2;
    while (low < high) {
        const middle = (low + high) >> 1;
        if (offsets[middle + 1] <= top) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return Math.max(0, low);
}

/** A list that draws only the rows in sight (and a few around), so that
 * 1,000 rows cost what 20 do on a slow tablet. Each item gives its height in
 * pixels (`height`, default `rowHeight`); the row is the default slot, with
 * the item as `item`. Its own scroll container: the scroll position is kept
 * in `scroll[scrollKey]` (the service's ui), so that coming back to the list
 * finds the agent's place. */
export class VirtualList extends Component {
    static template = "door_to_door_crm.VirtualList";
    static props = {
        items: Array,
        rowHeight: {type: Number, optional: true},
        scroll: {type: Object, optional: true},
        scrollKey: {type: String, optional: true},
        slots: Object,
    };
    static defaultProps = {rowHeight: 56};

    setup() {
        this.root = useRef("root");
        this.view = useState({top: 0, height: 800});
        this.cache = {items: null, offsets: null};
        onMounted(() => {
            const el = this.root.el;
            this.view.height = el.clientHeight || window.innerHeight;
            const saved = this.props.scroll && this.props.scroll[this.props.scrollKey];
            if (saved) {
                el.scrollTop = saved;
                this.view.top = el.scrollTop;
            }
            this.onResize = () => (this.view.height = el.clientHeight || window.innerHeight);
            window.addEventListener("resize", this.onResize);
        });
        onWillUnmount(() => window.removeEventListener("resize", this.onResize));
    }

    get offsets() {
        if (this.cache.items !== this.props.items) {
            const rowHeight = this.props.rowHeight;
            this.cache = {
                items: this.props.items,
                offsets: rowOffsets(this.props.items.map((item) => item.height || rowHeight)),
            };
        }
        return this.cache.offsets;
    }

    /** The rows to draw: {item, top} of those in sight and OVERSCAN around. */
    get visible() {
        const items = this.props.items;
        if (!items.length) {
            return [];
        }
        const offsets = this.offsets;
        const start = Math.max(0, firstVisible(offsets, this.view.top) - OVERSCAN);
        const end = Math.min(items.length, firstVisible(offsets, this.view.top + this.view.height) + 1 + OVERSCAN);
        const rows = [];
        for (let i = start; i < end; i++) {
            rows.push({item: items[i], top: offsets[i]});
        }
        return rows;
    }

    get totalHeight() {
        const offsets = this.offsets;
        return offsets[offsets.length - 1];
    }

    onScroll(ev) {
        this.view.top = ev.target.scrollTop;
        if (this.props.scroll && this.props.scrollKey) {
            this.props.scroll[this.props.scrollKey] = ev.target.scrollTop;
        }
    }
}
